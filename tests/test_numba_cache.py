"""An unwritable Numba cache location falls back to a temp directory instead of failing."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_unwritable_cache_dir_falls_back_and_the_core_still_runs():
    env = dict(os.environ, NUMBA_CACHE_DIR="/dev/null/not-a-directory")
    code = ("import os, simulation.engine as e, simulation.settings as s;"
            "r = e.run(s.make_settings('bowl', [('adam', {})], steps=3));"
            "print(os.environ['NUMBA_CACHE_DIR'], r.diverged_at)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    cache_dir, diverged = done.stdout.split()
    assert cache_dir != "/dev/null/not-a-directory" and Path(cache_dir).is_dir()
    assert diverged == "(None,)"


def test_editing_any_kernel_source_moves_to_a_fresh_cache_folder(tmp_path, monkeypatch):
    import numba_setup

    for package in numba_setup.KERNEL_PACKAGES:
        (tmp_path / package).mkdir()
        (tmp_path / package / "kernels.py").write_text("@njit\ndef f(): return 1\n")
        (tmp_path / package / "plain.py").write_text("x = 1\n")
    monkeypatch.setattr(numba_setup, "PROJECT_ROOT", tmp_path)
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    first = numba_setup.ensure_writable_cache()
    (tmp_path / "optimizers" / "plain.py").write_text("x = 2\n")
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    assert numba_setup.ensure_writable_cache() == first  # no kernels there: the cache stays valid
    (tmp_path / "landscapes" / "kernels.py").write_text("@njit\ndef f(): return 2\n")
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    second = numba_setup.ensure_writable_cache()
    assert first != second
    assert Path(first).parent == Path(second).parent == tmp_path / numba_setup.CACHE_FOLDER
