"""The command line's work is bounded before it starts, and Ctrl-C stops a long sweep within a second."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

from commands.sweep import MAX_CELL_STEPS
from tests.cli_inprocess import run_cli
from tests.conftest import ROOT, interruptible

SWEEP_ARGS = ["sweep", "--surface", "quadratic", "--optimizer", "momentum"]
LONG_SWEEP = ["--grid", "500x500", "--steps", "200"]  # the most allowed: seconds of work
STOP_SECONDS = 1.0
PERCENT_DONE = re.compile(rb"sweeping: +[1-9]\d*%")  # the progress bar past 0 %


def test_a_sweep_beyond_the_work_cap_is_refused_before_any_work():
    started = time.perf_counter()
    refused = run_cli(*SWEEP_ARGS, "--grid", "500x500", "--steps", "201")
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr == (f"cli.py sweep: error: --grid cells × --steps is at most {MAX_CELL_STEPS:,}, "
                              f"got 50,250,000: use fewer cells or steps\n")
    assert time.perf_counter() - started < 60  # refused up front, not after hours of sweeping


def _read_until(stream, done) -> bytes:
    """What ``stream`` says until ``done(text so far)``; fails if the process ends first."""
    said = b""
    while not done(said):
        chunk = os.read(stream.fileno(), 256)
        assert chunk, f"the sweep ended early: {said[-200:]!r}"
        said += chunk
    return said


def test_ctrl_c_stops_a_long_sweep_within_a_second():
    sweep = subprocess.Popen([sys.executable, "cli.py", *SWEEP_ARGS, *LONG_SWEEP], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=interruptible)
    _read_until(sweep.stderr, lambda said: PERCENT_DONE.search(said))  # inside the sweep's kernels
    interrupted_at = time.perf_counter()
    sweep.send_signal(signal.SIGINT)
    said = _read_until(sweep.stderr, lambda said: b"\n" in said)
    stopped_after = time.perf_counter() - interrupted_at
    assert sweep.wait(timeout=60) == 1
    assert said.decode().split("\r")[-1].strip() == "cli.py sweep: interrupted"
    assert stopped_after < STOP_SECONDS
