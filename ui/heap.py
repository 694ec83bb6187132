"""Keep Streamlit's garbage collection after every run cheap.

Streamlit runs a full garbage collection after every script run (``runner.postScriptGC``), and a full
collection visits every container object the process holds. Once Numba, Plotly and NumPy are loaded and the
kernels are in memory, that is well over 100,000 objects: about 95 ms per run on this machine, during which
the collector holds the GIL, so the charts the run has just produced wait to be sent and other sessions wait
to compute. A slider move paid that on every redraw.

Those objects are modules, compiled kernels and library tables that live as long as the process. After a
page's first complete run they are moved out of the collector's sight with :func:`gc.freeze`; later
collections visit only what runs create since (about 1 ms). Frozen objects are still freed by reference
counting; only a reference cycle among them would outlive its use, and the objects frozen are the process's
own, created once.

For a class, ``deploy/config.toml`` also switches the collection after every run off: with a hundred sessions
alive, even the settled collection made slider moves wait (``benchmarks/bench_class.py`` measures Streamlit's
default, the collection off, and the default without this freeze). The freeze still keeps the interpreter's
own full collections, which run either way, as short.
"""
from __future__ import annotations

import gc

_settled: set[str] = set()  # pages whose first run has completed in this process


def settle() -> None:
    """Collect what is garbage now and freeze everything alive, so later collections skip it."""
    gc.collect()
    gc.freeze()


def settle_after_first_run(page: str) -> None:
    """Call after ``page`` has run: on its first completed run in this process, collect what that run left
    behind and freeze everything alive (the server froze what it loaded before any run: the collection here
    visits only what came since)."""
    if page in _settled:
        return
    _settled.add(page)
    settle()
