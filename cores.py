"""How many cores this process may use: its CPU affinity where the system keeps one (Linux), else every core
(``os.sched_getaffinity`` does not exist on macOS or Windows)."""
from __future__ import annotations

import os


def usable_cores() -> int:
    """The cores this process may run on (at least 1)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
