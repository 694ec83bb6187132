"""Choose a Numba cache directory that is writable and can never serve stale kernels.

Numba keys each cached kernel on its own source file only: after an edit to ``optimizers/rules.py`` the cached
engine (which compiled the old rules into itself) would still load. So, unless the user chose
``NUMBA_CACHE_DIR``, the cache lives in a folder named after a hash of every file that defines kernels: any edit moves
to a fresh folder (one cold compile), and folders unused for a week are removed. If the project folder is read-only (a
system install, a container image), a per-user temp directory is used instead of failing.
Import this module before ``numba``.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent
KERNEL_PACKAGES = ("optimizers", "landscapes", "simulation", "mnist")  # every @njit kernel lives below these
KERNEL_MARKER = b"njit"  # files without it hold no compiled code, so their edits keep the cache
CACHE_FOLDER = ".numba_cache"
HASH_LENGTH = 16
STALE_AFTER_SECONDS = 7 * 24 * 3600  # older cache folders go; a running process may still use a recent one


def _writable(directory: Path) -> bool:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            return True
    except OSError:
        return False


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
    return Path(tempfile.gettempdir()) / f"descent-lab-numba-{user}"


def _remove_stale_siblings(current: Path) -> None:
    cutoff = time.time() - STALE_AFTER_SECONDS
    for sibling in current.parent.iterdir():
        if sibling != current and sibling.is_dir() and sibling.stat().st_mtime < cutoff:
            shutil.rmtree(sibling, ignore_errors=True)


def ensure_writable_cache() -> str:
    """Set ``NUMBA_CACHE_DIR`` (see the module docstring) and return it."""
    configured = os.environ.get("NUMBA_CACHE_DIR")
    if configured and _writable(Path(configured)):
        return configured
    version = kernel_sources_hash()
    for root in (PROJECT_ROOT / CACHE_FOLDER, _user_temp_root()):
        candidate = root / version
        if _writable(candidate):
            _remove_stale_siblings(candidate)
            os.environ["NUMBA_CACHE_DIR"] = str(candidate)
            return str(candidate)
    fallback = Path(tempfile.mkdtemp(prefix="descent-lab-numba-"))  # last resort: this process only
    os.environ["NUMBA_CACHE_DIR"] = str(fallback)
    return str(fallback)


ensure_writable_cache()
