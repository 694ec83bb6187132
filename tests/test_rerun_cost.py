"""What a slider move makes the server draw: a learning-rate move reruns the results fragment, which draws the
hyperparameter sliders and what they change, and none of the sidebar's other controls (every element drawn is
server time on every move of a whole class); the controls drawn by the full run still change the results.

Each test is a session speaking Streamlit's own protocol (``benchmarks/class_client.py``) to a server of this
module's own, so it sees exactly what a browser tab is sent.
"""
from __future__ import annotations

import asyncio
import json

import pytest

from benchmarks.bench_class import PLAYGROUND_SLIDER_KEY, run_problems
from benchmarks.class_client import Run, Student
from optimizers.registry import OPTIMIZERS
from tests.conftest import ROOT, streamlit_server
from ui import live_paths, options, state
from viz.figures import PATH_META

pytestmark = pytest.mark.slow

RUN_TIMEOUT_SECONDS = 120
FULL_RUN_CONTROLS = (state.SURFACE, state.OPTIMIZERS_KEY, state.SAME_FOR_ALL, state.STEPS, state.START_X,
                     state.START_Y, state.NOISE, state.SEED)
HEADING_MARK = "●"  # each optimizer's heading in the sidebar starts with a dot in its colour


@pytest.fixture(scope="module")
def ws_url():
    with streamlit_server(ROOT / "app.py") as (url, _):
        yield url.replace("http://", "ws://")


def _drawn_keys(run: Run) -> set[str]:
    """The session keys of the widgets a run drew (a keyed widget's element id ends with its key)."""
    ids = [getattr(getattr(e, e.WhichOneof("type")), "id", "") for e in run.elements]
    return {key for key in (*FULL_RUN_CONTROLS, *_lr_keys()) if any(i.endswith(key) for i in ids)}


def _lr_keys() -> list[str]:
    return [state.hp_key(name, "lr") for name in options.DEFAULT_OPTIMIZERS]


def _map_paths(run: Run) -> list:
    chart = next(c for c in run.of_type("bidi_component") if live_paths.COMPONENT_KEY in c.id)
    return [t for t in json.loads(chart.bytes)["map"]["data"] if t.get("meta") == PATH_META]


async def _load_and_move(ws_url: str, key: str, label: str) -> tuple[Run, Run]:
    """Load the playground, then set the slider under ``key`` to the option labelled ``label``."""
    async with Student(ws_url) as tab:
        loaded = await asyncio.wait_for(tab.load(), RUN_TIMEOUT_SECONDS)
        slider = next(s for s in loaded.of_type("slider") if s.id.endswith(key))
        value = tab.widgets[slider.id].__class__()
        value.string_array_value.data.append(label)
        moved = await asyncio.wait_for(tab.move(slider.id, value), RUN_TIMEOUT_SECONDS)
    assert run_problems(loaded, "load") == [] and run_problems(moved, "move") == []
    return loaded, moved


def test_a_learning_rate_move_draws_the_sliders_and_the_results_only(ws_url):
    lr_options = OPTIMIZERS["gd"].hyperparameter("lr").options
    loaded, moved = asyncio.run(_load_and_move(ws_url, PLAYGROUND_SLIDER_KEY, f"{lr_options[0]:g}"))
    assert _drawn_keys(loaded) == {*FULL_RUN_CONTROLS, *_lr_keys()}
    assert _drawn_keys(moved) == set(_lr_keys())
    assert not [m for m in moved.of_type("markdown") if HEADING_MARK in m.body]
    assert _map_paths(moved) != _map_paths(loaded)


def test_a_control_of_the_full_run_still_changes_the_results(ws_url):
    loaded, moved = asyncio.run(_load_and_move(ws_url, state.NOISE, f"{options.NOISE_OPTIONS[-1]:g}"))
    assert state.NOISE in _drawn_keys(moved)
    assert _map_paths(moved) != _map_paths(loaded)
