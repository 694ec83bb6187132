"""Choose a writable Numba cache directory before Numba is imported.

Numba caches compiled kernels next to the sources (``__pycache__``). On a read-only install (a system
site-packages, a container image) that fails, so we point ``NUMBA_CACHE_DIR`` at a per-user temp directory
instead of letting every process recompile or crash. Import this module before ``numba``.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

_PROJECT_ROOT = Path(__file__).resolve().parent


def _writable(directory: Path) -> bool:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            return True
    except OSError:
        return False


def ensure_writable_cache() -> str | None:
    """Set ``NUMBA_CACHE_DIR`` to a temp dir when the configured or in-tree location is not writable."""
    configured = os.environ.get("NUMBA_CACHE_DIR")
    candidate = Path(configured) if configured else _PROJECT_ROOT / "optimizers" / "__pycache__"
    if _writable(candidate):
        return configured
    fallback = Path(tempfile.gettempdir()) / f"descent-lab-numba-{os.getuid() if hasattr(os, 'getuid') else 0}"
    fallback.mkdir(parents=True, exist_ok=True)
    os.environ["NUMBA_CACHE_DIR"] = str(fallback)
    return str(fallback)


ensure_writable_cache()
