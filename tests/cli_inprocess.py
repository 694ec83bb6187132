"""Run ``cli.py`` in this process, as a user's shell would run it, and collect what it printed.

Starting a Python process costs about two seconds here (imports and cached kernels); calling ``cli.main``
costs milliseconds once the kernels are loaded, so behaviour is tested this way. Exit codes on signals, a
closed stdout and a reader that stops early need a real process: those tests start one.
"""
from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

import cli


@dataclass(frozen=True)
class Finished:
    """What a finished command left: the same fields as ``subprocess.CompletedProcess``."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str) -> Finished:
    """``python cli.py *args``: exit status, standard output and standard error."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(list(args))
        except SystemExit as exit_:  # argparse refuses bad usage by exiting
            code = exit_.code if isinstance(exit_.code, int) else 1
    return Finished(code, out.getvalue(), err.getvalue())
