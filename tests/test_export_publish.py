"""Exports never clobber a file they were not asked to replace, even one that appears while they render, and
``--force`` replaces a file without changing who may read it."""
from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from commands.common import write_atomic
from tests.cli_inprocess import run_cli
from tests.conftest import ROOT
from validation import ValidationError

GIF_ARGS = ["gif", "--surface", "ravine", "--optimizers", "gd,momentum", "--lr=gd:0.09,momentum:0.02",
            "--steps", "120", "--frames", "120"]  # a render long enough to create a file while it runs
RENDERING = b"rendering"
PRIVATE = 0o600


def test_a_file_that_appears_before_publishing_is_kept(tmp_path):
    target = tmp_path / "lecture.gif"
    target.write_bytes(b"made by someone else")
    with pytest.raises(ValidationError, match="exists; pass --force"):
        write_atomic(target, b"GIF89a")
    assert target.read_bytes() == b"made by someone else"
    assert [p.name for p in tmp_path.iterdir()] == ["lecture.gif"]  # no temp file left behind


def test_force_replaces_the_file_and_keeps_its_permissions(tmp_path):
    target = tmp_path / "lecture.gif"
    target.write_bytes(b"old")
    target.chmod(PRIVATE)
    write_atomic(target, b"GIF89a", force=True)
    assert target.read_bytes() == b"GIF89a" and stat.S_IMODE(target.stat().st_mode) == PRIVATE
    assert [p.name for p in tmp_path.iterdir()] == ["lecture.gif"]


def test_the_cli_keeps_a_file_created_while_it_renders(tmp_path):
    out = tmp_path / "lecture.gif"
    export = subprocess.Popen([sys.executable, "cli.py", *GIF_ARGS, "--out", str(out)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    said = b""
    while RENDERING not in said and export.poll() is None:
        said += os.read(export.stderr.fileno(), 64)
    out.write_bytes(b"written meanwhile")  # the check of --out passed long ago
    said += export.stderr.read()
    assert export.wait(timeout=120) == 2
    assert said.decode().splitlines()[-1] == f"cli.py gif: error: {out} exists; pass --force to overwrite it"
    assert out.read_bytes() == b"written meanwhile"
    assert [p.name for p in tmp_path.iterdir()] == ["lecture.gif"]


def test_the_cli_with_force_keeps_the_replaced_files_permissions(tmp_path):
    out = tmp_path / "lecture.gif"
    out.write_bytes(b"old")
    out.chmod(PRIVATE)
    forced = run_cli(*GIF_ARGS[:-2], "--frames", "4", "--out", str(out), "--force")
    assert forced.returncode == 0, forced.stderr
    assert out.read_bytes()[:6] == b"GIF89a" and stat.S_IMODE(out.stat().st_mode) == PRIVATE
