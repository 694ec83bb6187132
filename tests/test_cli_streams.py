"""The command line on unusual terminals: an ASCII-only one, a closed output, a Ctrl-C while it starts, and
values that hold a newline. Each ends in one line, never a traceback."""
import signal
import subprocess
import sys

from cli_inprocess import run_cli
from tests.conftest import ROOT, interruptible

EXIT_FAILURE = 1
# Ctrl-C arrives once the interpreter reports this import done: the commands and the compiled core still load.
STILL_STARTING_AFTER = "numpy"
IMPORT_REPORT = "import time:"  # the lines ``-X importtime`` writes to stderr


def _cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "cli.py", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, **kwargs)


def test_an_ascii_terminal_gets_escapes_not_a_crash():
    done = _cli("list", env={"PYTHONIOENCODING": "ascii", "PATH": ""})
    assert done.returncode == 0, done.stderr
    assert "\\u03ba" in done.stdout  # κ, the quadratic's condition number


def test_a_closed_output_is_an_error_not_a_silent_success():
    done = subprocess.run(f"{sys.executable} cli.py list >&-", shell=True, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == EXIT_FAILURE
    assert done.stderr == "cli.py: error: standard output is closed\n"


def test_ctrl_c_while_starting_is_one_line():
    process = subprocess.Popen([sys.executable, "-X", "importtime", "cli.py", "list"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=interruptible)
    for line in process.stderr:  # each import is reported as it completes
        if line.startswith(IMPORT_REPORT) and line.split("|")[-1].strip() == STILL_STARTING_AFTER:
            break
    else:
        raise AssertionError(f"the CLI never imported {STILL_STARTING_AFTER}")
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=120)
    err = "".join(line for line in rest.splitlines(keepends=True) if not line.startswith(IMPORT_REPORT))
    assert "Traceback" not in err
    assert process.returncode in (EXIT_FAILURE, -signal.SIGINT)  # before Python's own handler: killed quietly
    assert process.returncode != EXIT_FAILURE or err == "cli.py: interrupted\n"


def test_a_newline_in_a_value_stays_on_the_error_line():
    done = run_cli("trajectory", "--surface", "bo\nwl", "--optimizer", "gd")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "bo\\nwl" in done.stderr
