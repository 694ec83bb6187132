"""Cache folders someone else could write to are never used: Numba loads (and runs) the pickles it finds in
its cache, and the MNIST reader trusts the files in its cache, so a folder planted by another user in the
shared temp directory must not be picked up."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import numba_setup
from mnist import data
from tests.conftest import ROOT

VERSION = "0123456789abcdef"
ANOTHER_USER = 12345
ROOT_ONLY = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                               reason="giving a folder to another user needs root")


def _mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_a_missing_cache_folder_is_created_for_this_user_only(tmp_path):
    folder = numba_setup.choose_cache_folder((tmp_path / "cache",), VERSION)
    assert folder == tmp_path / "cache" / VERSION
    assert _mode(tmp_path / "cache") == 0o700 and _mode(folder) == 0o700


def test_a_folder_others_may_write_to_is_passed_over_for_a_fresh_private_one(tmp_path):
    planted = tmp_path / "planted"
    (planted / VERSION).mkdir(parents=True)
    planted.chmod(0o777)
    chosen = numba_setup.choose_cache_folder((planted,), VERSION)
    assert planted not in chosen.parents
    assert chosen.name.startswith(numba_setup.TEMP_PREFIX) and _mode(chosen) == 0o700
    assert list(chosen.iterdir()) == []
    chosen.rmdir()


def test_a_symlink_is_not_a_cache_folder(tmp_path):
    (tmp_path / "elsewhere").mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    assert not numba_setup.private_folder(tmp_path / "link")


@ROOT_ONLY
def test_a_folder_owned_by_another_user_is_passed_over(tmp_path):
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, ANOTHER_USER, ANOTHER_USER)
    assert not numba_setup.private_folder(theirs)
    mine = tmp_path / "mine"
    chosen = numba_setup.choose_cache_folder((theirs, mine), VERSION)
    assert chosen == mine / VERSION  # the next candidate that is private


@ROOT_ONLY
def test_a_planted_temp_folder_does_not_become_numbas_cache(tmp_path):
    """The real start-up path: the project folder is passed over (here made someone else's), and the per-user
    temp folder was created first by another user."""
    project_copy = tmp_path / "project"
    subprocess.run(["git", "worktree", "list"], cwd=ROOT, check=True, capture_output=True)
    project_copy.mkdir()
    (project_copy / "numba_setup.py").write_bytes((ROOT / "numba_setup.py").read_bytes())
    (project_copy / numba_setup.CACHE_FOLDER).mkdir()
    os.chown(project_copy / numba_setup.CACHE_FOLDER, ANOTHER_USER, ANOTHER_USER)
    temp = tmp_path / "tmp"
    planted = temp / f"{numba_setup.TEMP_PREFIX}{os.getuid()}"
    planted.mkdir(parents=True)
    planted.chmod(0o777)
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"} | {"TMPDIR": str(temp)}
    shown = subprocess.run([sys.executable, "-c", "import os, numba_setup; print(os.environ['NUMBA_CACHE_DIR'])"],
                           cwd=project_copy, env=env, capture_output=True, text=True, check=True).stdout.strip()
    used = Path(shown)
    for refused in (planted, project_copy):  # compared as paths: a fresh folder's name may begin like the planted one
        assert used != refused and refused not in used.parents
    assert _mode(shown) == 0o700 and os.stat(shown).st_uid == os.getuid()


def test_the_mnist_cache_is_created_private(monkeypatch, tmp_path):
    monkeypatch.setenv(data.ENV_CACHE, str(tmp_path / "mnist"))
    assert data.private_cache_dir() == tmp_path / "mnist"
    assert _mode(tmp_path / "mnist") == 0o700


def test_an_mnist_cache_others_may_write_to_is_not_read(monkeypatch, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    for name in data.FILES:
        (shared / f"{name}.gz").write_bytes(b"planted")
    monkeypatch.delenv(data.ENV_DIR, raising=False)
    monkeypatch.setenv(data.ENV_CACHE, str(shared))
    chosen = data.private_cache_dir()
    assert chosen != shared and _mode(chosen) == 0o700 and list(chosen.iterdir()) == []
    chosen.rmdir()
    with pytest.raises(data.MnistDataError, match="not found"):
        data.locate(download=False)  # the planted files are not "found"
