"""Choose a Numba cache directory that is writable and can never serve stale kernels.

Numba keys each cached kernel on its own source file only: after an edit to ``optimizers/rules.py`` the cached
engine (which compiled the old rules into itself) would still load. So, unless the user chose
``NUMBA_CACHE_DIR``, the cache lives in a folder named after a hash of every file that defines kernels: any edit moves
to a fresh folder (one cold compile), and folders unused for a week are removed. If the project folder is read-only (a
system install, a container image), a per-user temp directory is used instead of failing.

Numba's cache files are pickles that it loads and runs, so a cache folder someone else can write to would run their
code. A folder is used only if it is a real directory owned by this user that nobody else may write to
(:func:`private_folder`); one that is created is made 0700. A temp folder that fails the check (another user
created it first) is replaced by a fresh private one. Import this module before ``numba``.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent
KERNEL_PACKAGES = ("optimizers", "landscapes", "simulation", "mnist")  # every @njit kernel lives below these
KERNEL_MARKER = b"njit"  # files without it hold no compiled code, so their edits keep the cache
CACHE_FOLDER = ".numba_cache"
HASH_LENGTH = 16
STALE_AFTER_SECONDS = 7 * 24 * 3600  # older cache folders go; a running process may still use a recent one
PRIVATE_MODE = 0o700  # read, write and enter for the owner only
TEMP_PREFIX = "descent-lab-numba-"


def _writable(directory: Path) -> bool:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            return True
    except OSError:
        return False


def private_folder(folder: Path) -> bool:
    """Create ``folder`` (mode 0700) if it is missing; True when it is a real directory (not a symlink) owned by
    this user, not writable by group or others, and writable by us. Cached data in any other folder could have
    been planted by someone else."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_MODE)
        info = os.lstat(folder)
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return False
    return _writable(folder)


def fresh_private_folder(prefix: str) -> Path:
    """A new, empty temp folder that only this user can enter (``mkdtemp`` makes it 0700)."""
    return Path(tempfile.mkdtemp(prefix=prefix))


def kernel_sources_hash() -> str:
    """A hash of every source file that defines jitted code (pure-Python modules may change freely)."""
    digest = hashlib.sha256()
    for package in KERNEL_PACKAGES:
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            source = path.read_bytes()
            if KERNEL_MARKER in source:
                digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode())
                digest.update(source)
    return digest.hexdigest()[:HASH_LENGTH]


def _user_temp_root() -> Path:
    user = os.getuid() if hasattr(os, "getuid") else os.getlogin()
    return Path(tempfile.gettempdir()) / f"{TEMP_PREFIX}{user}"


def _remove_stale_siblings(current: Path) -> None:
    cutoff = time.time() - STALE_AFTER_SECONDS
    for sibling in current.parent.iterdir():
        if sibling != current and sibling.is_dir() and sibling.stat().st_mtime < cutoff:
            shutil.rmtree(sibling, ignore_errors=True)


def choose_cache_folder(roots: tuple[Path, ...], version: str) -> Path:
    """``root/version`` in the first root that is private (see :func:`private_folder`), else a fresh private
    temp folder for this process only."""
    for root in roots:
        candidate = root / version
        if private_folder(root) and private_folder(candidate):
            _remove_stale_siblings(candidate)
            return candidate
    return fresh_private_folder(TEMP_PREFIX)


def ensure_writable_cache() -> str:
    """Set ``NUMBA_CACHE_DIR`` (see the module docstring) and return it."""
    configured = os.environ.get("NUMBA_CACHE_DIR")
    if configured and _writable(Path(configured)):
        return configured  # the user's own choice
    folder = choose_cache_folder((PROJECT_ROOT / CACHE_FOLDER, _user_temp_root()), kernel_sources_hash())
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    return str(folder)


ensure_writable_cache()
