"""Descent Lab on the command line: trajectories, lecture GIFs and MNIST runs without the app.

    python cli.py list
    python cli.py trajectory --surface rosenbrock --optimizer adam --lr=0.01 --steps 500
    python cli.py --help

Bad input prints one line on stderr and exits with status 2; a diverging run is a result (exit 0).
"""
from __future__ import annotations

import argparse
import importlib
import os
import re
import sys

from validation import ValidationError

COMMANDS = ("commands.listing", "commands.trajectory", "commands.sweep", "commands.gif", "commands.mnist")
EXIT_USAGE = 2
EXIT_FAILURE = 1  # the work could not be finished: an output that cannot be written, an interruption
NEGATIVE_LIST = re.compile(r"^-[\d.][^,:]*[,:]")  # "-1,2" or "-1:0.5": a list or range starting below zero


def one_line(text: str) -> str:
    """``text`` on one line: a newline in a user's path or value is shown as \\n, not as a second line."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


class OneLineParser(argparse.ArgumentParser):
    """argparse, but usage errors are a single line on stderr (no usage dump) and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {one_line(message)}\n")
        sys.exit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="cli.py", description=__doc__.split("\n")[0])
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    for module in COMMANDS:
        importlib.import_module(module).register(subparsers)
    return parser


def attach_negative_values(argv: list[str]) -> list[str]:
    """``--start -1,2`` → ``--start=-1,2``: argparse would read "-1,2" as an unknown option, because only
    plain negative numbers like "-1" are recognised as values (and no command takes positional values)."""
    joined: list[str] = []
    for token in argv:
        previous = joined[-1] if joined else ""
        if NEGATIVE_LIST.match(token) and previous.startswith("--") and "=" not in previous:
            joined[-1] = f"{previous}={token}"
        else:
            joined.append(token)
    return joined


def _plain_streams() -> None:
    """Print what the terminal cannot show as escapes (κ → \\u03ba) instead of failing on it."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def main(argv: list[str] | None = None) -> int:
    if sys.stdout is None:  # started with standard output closed (`>&-`): nothing printed could be seen
        sys.stderr.write("cli.py: error: standard output is closed\n")
        return EXIT_FAILURE
    _plain_streams()
    argv = attach_negative_values(sys.argv[1:] if argv is None else list(argv))
    try:
        args = build_parser().parse_args(argv)  # loads the commands and the compiled core
    except KeyboardInterrupt:
        sys.stderr.write("cli.py: interrupted\n")
        return EXIT_FAILURE
    try:
        return args.handler(args)
    except ValidationError as error:
        sys.stderr.write(f"cli.py {args.command}: error: {one_line(str(error))}\n")
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader stopped early (`... | head`): stop quietly, like other Unix tools. Point stdout at devnull
        # so that the interpreter's final flush does not fail a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE
    except KeyboardInterrupt:
        sys.stderr.write(f"cli.py {args.command}: interrupted\n")
        return EXIT_FAILURE
    except OSError as error:  # a full disk, a folder that cannot be written to
        where = f": {error.filename}" if error.filename else ""
        sys.stderr.write(f"cli.py {args.command}: error: {one_line(f'{error.strerror or error}{where}')}\n")
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
