"""The live map and loss chart: paths follow the learning-rate and momentum controls while they are dragged.

One ``st.components.v2`` component draws the map and the loss curves (plotly.js, loaded once from the app's
static folder) and, under them, a native range input per learning rate and momentum (β1 for the Adam family).
The pointer reaching a control's row, or the control getting focus, asks the server for that control's family
(:mod:`simulation.family`: every option's run, computed by the engine in one batch) through
:mod:`ui.family_route`, at most once per control and settings: the browser keeps each family while the
control's ``family_key`` stays the same. While the control is dragged the browser swaps among those runs on
every ``input`` event, with no server round trip. Releasing it (or a pause after arrow keys) commits the
value into the sidebar's session key, and the whole page follows: URL, numbers, explanations, export.

The start marker can be dragged on the map: a move asks the server for the runs from there, one request in
flight at a time; each request also asks for a few points on the way from the point asked before, and the
browser shows their runs one per frame before the latest. Releasing the marker commits the start like the start
inputs do.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import streamlit as st

from landscapes.registry import get_surface
from optimizers.registry import OPTIMIZERS, Hyperparameter
from simulation.engine import Result, run
from simulation.settings import Settings
from ui import compute, family_route, front_end, options, state
from viz import result_figures
from viz.figures import figure_json, loss_axis
from viz.paths import paths_from_result, thinned_indices
from viz.theme import run_colors
from viz.typed_arrays import array_spec

COMPONENT_KEY = "live_chart"
LIVE_START = "_live_start"  # the start while its marker is being dragged (not yet committed)
START_DECIMALS = 3  # a dragged start is rounded like the start inputs show it
# The hyperparameters dragged live: the learning rate, and momentum (β1 for the Adam family).
LIVE_HYPERPARAMETERS = ("lr", "momentum", "beta1")
LIVE_CHART = front_end.component(
    "descent_live_chart",
    ("plotly_setup.js", "decode.js", "families.js", "direct_paint.js", "start_drag.js", "live_chart.js"),
    "live_chart.css")


@dataclass(frozen=True)
class Control:
    """A live control: hyperparameter ``hp`` of ``owner`` (an optimizer, or all of them), driving ``runs``."""

    owner: str
    hp: str
    label: str
    runs: tuple[int, ...]

    @property
    def control_id(self) -> str:
        return f"{self.owner}.{self.hp}"


def control_words(hyperparameter: Hyperparameter) -> str:
    """A hyperparameter named as its live control says it: the registry's slider label without the symbol
    ("learning rate η" → "learning rate", "momentum μ" → "momentum"; "β1" is its own symbol and stays)."""
    return hyperparameter.label.removesuffix(f" {hyperparameter.symbol}")


def controls(settings: Settings, shared: bool) -> list[Control]:
    """The live controls for ``settings``: each optimizer's (or the shared) learning rate and momentum/β1."""
    found: list[Control] = []
    owners = [(state.SHARED, "All optimizers", range(len(settings.runs)))] if shared else [
        (r.optimizer, OPTIMIZERS[r.optimizer].title, [k]) for k, r in enumerate(settings.runs)]
    for owner, title, run_range in owners:
        for hp in LIVE_HYPERPARAMETERS:
            runs = tuple(k for k in run_range if hp in settings.runs[k].spec.defaults)
            if runs:
                words = control_words(settings.runs[runs[0]].spec.hyperparameter(hp))
                found.append(Control(owner, hp, f"{title} {words}", runs))
    return found


def _option_index(control: Control, settings: Settings) -> int:
    run = settings.runs[control.runs[0]]
    hyperparameter = run.spec.hyperparameter(control.hp)
    value = options.snap(run.values[control.hp], hyperparameter.options, hyperparameter.log_scale)
    return hyperparameter.options.index(value)


@st.cache_data(max_entries=compute.CACHED_FIGURES, show_spinner=False, hash_funcs=compute.SETTINGS_HASH)
def figures(settings: Settings) -> tuple[str, str]:
    """The map and loss figures of ``settings`` as plotly.js JSON text (sent as it is: see :func:`message`)."""
    result: Result = compute.simulate(settings)
    grid = compute.grid(settings.surface, settings.surface_params)
    return (figure_json(*result_figures.live_map_parts(result, grid)),
            figure_json(*result_figures.live_loss_parts(result)))


def message(fields: dict, **json_texts: str) -> bytes:
    """One JSON object, UTF-8, of ``fields`` and of ``json_texts`` (values that are JSON text already), for the
    component to parse. Streamlit passes bytes on as they are; a dict it would encode twice per message (to
    send it, and sorted, to name the element), with the figures' tens of KB decoded from the cache before."""
    texts = {**{name: json.dumps(value) for name, value in fields.items()}, **json_texts}
    return ("{" + ", ".join(f"{json.dumps(name)}: {text}" for name, text in texts.items()) + "}").encode()


def _clamped_start(point: Any) -> tuple[float, float]:
    """A dragged start within the start inputs' limits, rounded as they show it."""
    surface = get_surface(state.surface_name(st.session_state))
    (x_low, x_high), (y_low, y_high) = options.start_limits(surface)
    x, y = float(point[0]), float(point[1])
    return (round(min(max(x, x_low), x_high), START_DECIMALS), round(min(max(y, y_low), y_high), START_DECIMALS))


def _component_value(name: str) -> Any:
    return getattr(st.session_state[COMPONENT_KEY], name, None)


def _on_commit() -> None:
    """A released control: its value goes into the sidebar's key, and the whole page reruns."""
    commit = _component_value("commit")
    if not commit:
        return
    owner, _, hp = str(commit["control"]).partition(".")
    owners = [owner] if owner in OPTIMIZERS else st.session_state[state.OPTIMIZERS_KEY]  # one, or all (shared)
    spec = next(OPTIMIZERS[name] for name in owners if hp in OPTIMIZERS[name].defaults)
    st.session_state[state.hp_key(owner, hp)] = spec.hyperparameter(hp).options[int(commit["index"])]
    st.session_state[state.NEEDS_FULL_RERUN] = True


def _on_drag_start() -> None:
    # [x, y, request number, then x, y of each point on the way there from the last request, in order]
    value = _component_value("drag_start")
    if value:
        trail = tuple(_clamped_start(value[i:i + 2]) for i in range(3, len(value) - 1, 2))
        st.session_state[LIVE_START] = (_clamped_start(value), int(value[2]), trail)


def _on_commit_start() -> None:
    point = _component_value("commit_start")
    st.session_state.pop(LIVE_START, None)
    if point:
        st.session_state[state.START_X], st.session_state[state.START_Y] = _clamped_start(point)
        st.session_state[state.NEEDS_FULL_RERUN] = True


def _float32(values: np.ndarray) -> dict:
    """``values`` as float32 in a typed array (:func:`viz.typed_arrays.array_spec`), for the browser to decode:
    four bytes per number instead of a JSON list."""
    return array_spec(np.asarray(values, dtype=np.float32))


def dragged_paths(settings: Settings, hover: bool = True) -> list[dict]:
    """Each run's drawn path, loss curve and (with ``hover``) hover data (step, loss) from ``settings``'
    start: all a start-marker move changes."""
    result = run(settings)
    paths = paths_from_result(result)
    series, _, _ = loss_axis(paths, settings.surface_spec.min_value)
    drawn = []
    for path, values in zip(paths, series):
        rows = thinned_indices(path.n_points)
        drawn.append(dict(x=_float32(path.xy[rows, 0]), y=_float32(path.xy[rows, 1]),
                          steps=array_spec(rows.astype(np.int32)), loss=_float32(values[rows]), died=path.died,
                          hover=_float32(np.column_stack([rows, path.losses[rows]])) if hover else None))
    return drawn


def drag_answer(settings: Settings, start: tuple[float, float], request: int,
                trail: tuple[tuple[float, float], ...]) -> dict:
    """The answer to a start-marker move: the runs from ``start``, and from each point of ``trail`` (passed on
    the way there; the browser shows them first, one per frame)."""
    return dict(start=list(start), start_seq=request, paths=dragged_paths(replace(settings, start=start)),
                trail=[dict(start=list(point), paths=dragged_paths(replace(settings, start=point), hover=False))
                       for point in trail])


@st.fragment
def render(settings: Settings) -> None:
    """The live map, loss chart and controls for ``settings`` (the page's current, committed settings).

    A fragment of its own: each move of the start marker reruns this component alone, and the browser's round
    trip per move stays short. While the start marker is dragged, only the paths from the dragged start are
    sent (tens of KB per move). Families do not come this way: the browser asks :mod:`ui.family_route` for
    them, with the settings sent here. A committed value reruns the whole app.
    """
    if st.session_state.pop(state.NEEDS_FULL_RERUN, False):
        st.rerun(scope="app")
    if LIVE_START in st.session_state:
        answer = drag_answer(settings, *st.session_state[LIVE_START])
        LIVE_CHART(key=COMPONENT_KEY, data=message(dict(dragged=answer)), **CALLBACKS)
        return
    shared = bool(st.session_state.get(state.SAME_FOR_ALL))
    live = controls(settings, shared)
    colors = run_colors([r.optimizer for r in settings.runs])
    map_json, loss_json = figures(settings)
    surface = settings.surface_spec
    (x_low, x_high), (y_low, y_high) = surface.domain
    fields = dict(
        plotly=front_end.PLOTLY_URL, base_key=repr(replace(settings, start=(0.0, 0.0))), figure_key=repr(settings),
        aspect=(y_high - y_low) / (x_high - x_low),
        start=list(settings.start), start_limits=[list(limits) for limits in options.start_limits(surface)],
        family_url=family_route.family_path(), settings=family_route.settings_fields(settings),
        controls=[dict(id=c.control_id, label=c.label, hp=c.hp, runs=list(c.runs), index=_option_index(c, settings),
                       family_key=family_route.family_key(settings, c.runs, c.hp),
                       color=None if shared else colors[c.runs[0]],
                       options=list(settings.runs[c.runs[0]].spec.hyperparameter(c.hp).options)) for c in live])
    LIVE_CHART(key=COMPONENT_KEY, data=message(fields, map=map_json, loss=loss_json), **CALLBACKS)


CALLBACKS = dict(on_commit_change=_on_commit, on_drag_start_change=_on_drag_start,
                 on_commit_start_change=_on_commit_start)
