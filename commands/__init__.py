"""Subcommands of ``cli.py``: each module has ``register(subparsers)`` and a handler returning an exit code."""
