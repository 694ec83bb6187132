"""A class opening the link at once: twenty sessions on a freshly started server load the playground together
and move a slider.

The server is started by this module, so the sessions meet it cold, as a class does: no session has imported
the app yet when all of them ask for their first run in the same instant. Each session is a websocket client
speaking Streamlit's own protocol (``benchmarks/class_client.py``), which loads the server like a browser tab
without twenty renderers competing for the CPU. Every session opens its own settings (so the caches really
fill), then moves its learning-rate slider one notch. Pass: every run draws a chart and no exception element,
every slider move changes the drawn path, and the server's memory grows by less than
``MEMORY_GROWTH_LIMIT_MB`` (the caches have ``max_entries``). The class simulator itself also runs here, at
small N.
"""
from __future__ import annotations

import asyncio
import json
import re
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import parse_qsl

import _plotly_utils
import plotly
import pytest

from benchmarks.bench_class import PLAYGROUND_SLIDER_KEY, run_class, run_problems
from benchmarks.class_client import Student
from landscapes.registry import SURFACES
from optimizers.registry import LR_OPTIONS, OPTIMIZERS
from tests.conftest import ROOT, streamlit_server
from ui import chart_library, live_paths, options, playground_url, state
from viz.figures import PATH_META

pytestmark = pytest.mark.slow

SESSIONS = 20
SIMULATED_STUDENTS = 6
SIMULATED_MOVES = 2
RUN_TIMEOUT_SECONDS = 180  # twenty sessions share two CPU cores here, and the first imports everything
MEMORY_GROWTH_LIMIT_MB = 600
# One notch left of the slider's starting value on the default surface, as the browser reports it: the
# option's label (the sidebar formats options with :g).
DEFAULT_LR = options.hyperparameter_default(SURFACES[options.DEFAULT_SURFACE], OPTIMIZERS["gd"], "lr")
NEXT_LR_LABEL = f"{LR_OPTIONS[LR_OPTIONS.index(DEFAULT_LR) - 1]:g}"
# Two sessions at once: A's learning rates (option labels) and B's step counts, one pair per round.
TWO_SESSION_LRS = ("0.02", "0.03", "0.05")
TWO_SESSION_STEPS = (250.0, 400.0, 600.0)
LR_URL_PARAM = PLAYGROUND_SLIDER_KEY[len(state.HP_PREFIX):]
STEPS_URL_PARAM = playground_url.URL_NAMES[state.STEPS]
PLOTLY_LOOKUP = re.compile(r"""get_module\(\s*["']([\w.]+)["']\s*,\s*should_load=False""")


def resident_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


@pytest.fixture(scope="module")
def cold_server():
    """A server of its own that no session has run the app on yet: yields (base URL, process)."""
    with streamlit_server(ROOT / "app.py") as served:
        yield served


def _map_paths(run) -> list:
    """The optimizer path traces of the map (in the live chart component's data)."""
    chart = next(c for c in run.of_type("bidi_component") if live_paths.COMPONENT_KEY in c.id)
    return [t for t in json.loads(chart.bytes)["map"]["data"] if t.get("meta") == PATH_META]


async def _session(ws_url: str, query: str, all_connected: asyncio.Barrier) -> list[str]:
    """One session: connect, wait until every session is connected, load, move the gd learning-rate slider
    one notch left, check both runs."""
    async with Student(ws_url, query) as tab:
        await all_connected.wait()
        first = await tab.load()
        problems = run_problems(first, query)
        sliders = [s for s in first.of_type("slider") if s.id.endswith(PLAYGROUND_SLIDER_KEY)]
        if problems or not sliders:
            return problems or [f"{query}: no learning-rate slider"]
        notch = tab.widgets[sliders[0].id].__class__()
        notch.string_array_value.data.append(NEXT_LR_LABEL)
        moved = await tab.move(sliders[0].id, notch)
    problems = run_problems(moved, query)
    if _map_paths(first) == _map_paths(moved):
        problems.append(f"{query}: moving the slider did not change the path")
    return problems


async def _classroom(ws_url: str) -> list[str]:
    all_connected = asyncio.Barrier(SESSIONS)
    queries = [f"steps={100 + 10 * i}" for i in range(SESSIONS)]
    results = await asyncio.wait_for(asyncio.gather(*(_session(ws_url, q, all_connected) for q in queries)),
                                     RUN_TIMEOUT_SECONDS)
    return [problem for problems in results for problem in problems]


def test_twenty_sessions_opening_at_once_on_a_cold_server(cold_server):
    url, server = cold_server
    memory_before = resident_mb(server.pid)
    problems = asyncio.run(_classroom(url.replace("http://", "ws://")))
    growth = resident_mb(server.pid) - memory_before
    assert not problems, problems
    assert server.poll() is None, "the server must survive the load"
    assert growth < MEMORY_GROWTH_LIMIT_MB, f"server memory grew by {growth:.0f} MB"


def test_the_class_simulator_finds_no_errors(cold_server):
    """The benchmark's class at small N: every student's load and slider moves draw charts, no exception."""
    report = asyncio.run(run_class(cold_server[0], SIMULATED_STUDENTS, SIMULATED_MOVES))
    assert report.errors == []
    assert len(report.loads) == SIMULATED_STUDENTS
    assert len(report.moves) == SIMULATED_STUDENTS * SIMULATED_MOVES


def test_every_module_plotly_looks_up_is_imported_before_any_figure():
    """Plotly peeks at sys.modules for these instead of importing them (a half-imported one breaks a figure
    another session builds meanwhile); the modules it peeks at in the installed version must be the ones
    the chart library imports first, or not installed at all."""
    looked_up = set()
    for package in (Path(plotly.__file__).parent, Path(_plotly_utils.__file__).parent):
        for source in package.rglob("*.py"):
            looked_up.update(PLOTLY_LOOKUP.findall(source.read_text(encoding="utf-8")))
    installed = {name for name in looked_up if _importable(name)}
    assert {"numpy", "pandas"} <= installed
    assert installed <= set(chart_library.PLOTLY_LOOKS_UP)


def _importable(name: str) -> bool:
    try:
        return find_spec(name) is not None
    except ModuleNotFoundError:
        return False


async def _open(ws_url: str, query: str = "") -> tuple[Student, object]:
    tab = Student(ws_url, query)
    await tab.__aenter__()
    run = await tab.load()
    assert run_problems(run, "load") == []
    return tab, run


def _slider_id(run, key: str) -> str:
    return next(s.id for s in run.of_type("slider") if s.id.endswith(key))


async def _two_sessions_at_once(ws_url: str) -> list[tuple[dict, dict]]:
    """Session A moves its learning rate, session B its step count, at the same instant, a few times; then
    both rerun in full. Returns each full run's URL parameters, A's then B's."""
    (a, a_run), (b, b_run) = await asyncio.gather(_open(ws_url), _open(ws_url))
    lr_id, steps_id = _slider_id(a_run, PLAYGROUND_SLIDER_KEY), _slider_id(b_run, state.STEPS)
    try:
        for lr, steps in zip(TWO_SESSION_LRS, TWO_SESSION_STEPS):
            lr_state, steps_state = a.widgets[lr_id].__class__(), b.widgets[steps_id].__class__()
            lr_state.string_array_value.data.append(lr)
            steps_state.double_array_value.data.append(steps)
            runs = await asyncio.gather(a.move(lr_id, lr_state), b.move(steps_id, steps_state))
            assert [run_problems(run, "move") for run in runs] == [[], []]
        finals = await asyncio.gather(a.load(), b.load())
        return [dict(parse_qsl(run.query_string or tab.query)) for run, tab in zip(finals, (a, b))]
    finally:
        await asyncio.gather(a.__aexit__(), b.__aexit__())


def test_two_sessions_changing_different_settings_at_once_keep_their_own(cold_server):
    a_params, b_params = asyncio.run(_two_sessions_at_once(cold_server[0].replace("http://", "ws://")))
    assert (a_params[LR_URL_PARAM], a_params[STEPS_URL_PARAM]) == (TWO_SESSION_LRS[-1], str(options.DEFAULT_STEPS))
    assert (b_params[LR_URL_PARAM], b_params[STEPS_URL_PARAM]) == (f"{DEFAULT_LR:g}", f"{TWO_SESSION_STEPS[-1]:g}")
