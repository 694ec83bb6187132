"""Twenty students at once: concurrent sessions load the playground and move a slider.

Each session is a websocket client speaking Streamlit's own protocol (the ``websockets`` package ships with
Streamlit), which loads the server exactly like a browser tab without twenty renderers competing for the CPU.
Every session opens its own settings (so the caches really fill), then moves its learning-rate slider one
notch. Pass: every run finishes without an exception element, every slider move changes the drawn path, and
the server's memory grows by less than ``MEMORY_GROWTH_LIMIT_MB`` (the caches have ``max_entries``).
"""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from landscapes.registry import SURFACES
from optimizers.registry import OPTIMIZERS
from ui import live_paths, options, state
from optimizers.registry import LR_OPTIONS
from viz.figures import PATH_META

pytestmark = pytest.mark.slow

SESSIONS = 20
RUN_TIMEOUT_SECONDS = 120  # twenty sessions share two CPU cores here
MEMORY_GROWTH_LIMIT_MB = 600
LR_KEY = state.hp_key("gd", "lr")
# One notch left of the slider's starting value on the default surface, as the browser reports it: the
# option's label (the sidebar formats options with :g).
DEFAULT_LR = options.hyperparameter_default(SURFACES[options.DEFAULT_SURFACE], OPTIMIZERS["gd"], "lr")
NEXT_LR_LABEL = f"{LR_OPTIONS[LR_OPTIONS.index(DEFAULT_LR) - 1]:g}"


def resident_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


async def _rerun(ws, query: str, widget_id: str | None = None, label: str | None = None) -> list:
    """Ask for a script run (optionally with a select slider moved to the option shown as ``label``) and
    collect the elements it draws."""
    message = BackMsg()
    message.rerun_script.query_string = query
    if widget_id is not None:
        widget = message.rerun_script.widget_states.widgets.add()
        widget.id = widget_id
        widget.string_array_value.data.append(label)
    await ws.send(message.SerializeToString())
    elements = []
    while True:
        reply = ForwardMsg.FromString(await ws.recv())
        if reply.HasField("delta") and reply.delta.HasField("new_element"):
            elements.append(reply.delta.new_element)
        if reply.HasField("script_finished"):
            return elements


def _map_paths(elements) -> list:
    """The optimizer path traces of the map (in the live chart component's data)."""
    chart = next(e.bidi_component for e in elements
                 if e.WhichOneof("type") == "bidi_component" and live_paths.COMPONENT_KEY in e.bidi_component.id)
    return [t for t in json.loads(chart.json)["map"]["data"] if t.get("meta") == PATH_META]


async def _student(ws_url: str, query: str) -> list[str]:
    """One session: load, move the gd learning-rate slider one notch left, check both runs."""
    problems = []
    async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None) as ws:
        first = await _rerun(ws, query)
        slider = next(e.slider for e in first if e.WhichOneof("type") == "slider" and LR_KEY in e.slider.id)
        moved = await _rerun(ws, query, slider.id, NEXT_LR_LABEL)
        for run in (first, moved):
            if any(e.WhichOneof("type") == "exception" for e in run):
                problems.append(f"{query}: an exception element was sent")
        if _map_paths(first) == _map_paths(moved):
            problems.append(f"{query}: moving the slider did not change the path")
    return problems


async def _classroom(ws_url: str) -> list[str]:
    queries = [f"steps={100 + 10 * i}" for i in range(SESSIONS)]
    results = await asyncio.wait_for(asyncio.gather(*(_student(ws_url, q) for q in queries)),
                                     RUN_TIMEOUT_SECONDS)
    return [problem for problems in results for problem in problems]


def test_twenty_concurrent_sessions_load_and_move_a_slider(app_server):
    url, server = app_server
    memory_before = resident_mb(server.pid)
    problems = asyncio.run(_classroom(url.replace("http://", "ws://") + "/_stcore/stream"))
    growth = resident_mb(server.pid) - memory_before
    assert not problems, problems
    assert server.poll() is None, "the server must survive the load"
    assert growth < MEMORY_GROWTH_LIMIT_MB, f"server memory grew by {growth:.0f} MB"
