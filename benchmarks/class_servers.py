"""The servers a class benchmark runs against, freshly started for each measurement: Streamlit alone, or replicas
behind nginx (``deploy/replicas.py``); and a probe that reads their processes' CPU time and peak memory from
Linux's /proc.
"""
from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tests.conftest import ROOT, free_port, stop, streamlit_server, wait_until_healthy


class ServerProbe:
    """CPU time and peak resident memory of the server's processes (a replica, or several and their proxy),
    read from Linux's /proc: CPU summed, peak memory summed (an upper bound of the processes' joint peak)."""

    def __init__(self, pids: list[int]):
        self.pids = pids

    def cpu_seconds(self) -> float:
        total = 0.0
        for pid in self.pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
        return total

    def peak_rss_mb(self) -> float:
        return sum(_status_mb(pid, "VmHWM:") for pid in self.pids)


def _status_mb(pid: int, field_name: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field_name} for process {pid}")


def descendants(pid: int) -> list[int]:
    """``pid`` and every process it started, and those they started (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # a process that ended while being read
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children.get(current, []))
    return found


@contextmanager
def single_server(script: Path, env: dict[str, str]) -> Iterator[tuple[str, list[int]]]:
    """``streamlit run script``, freshly started: yields (URL, its process id)."""
    with streamlit_server(script, env) as (url, process):
        yield url, [process.pid]


@contextmanager
def replicas_behind_nginx(count: int, run_dir: Path) -> Iterator[tuple[str, list[int]]]:
    """``deploy/replicas.py`` with ``count`` replicas: yields (the proxy's URL, every process it started)."""
    port = free_port(count + 1)  # the proxy's, then the replicas'
    process = subprocess.Popen([sys.executable, str(ROOT / "deploy" / "replicas.py"), "--replicas", str(count),
                                "--listen", "127.0.0.1", "--port", str(port), "--first-port", str(port + 1),
                                "--run-dir", str(run_dir)], cwd=ROOT, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)
        yield url, descendants(process.pid)
    finally:
        stop(process)
