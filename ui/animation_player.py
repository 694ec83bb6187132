"""The step player: Animation, Side by side and the 3D surface, moved to any step in the browser.

One ``st.components.v2`` component gets, once per setting, the figures at step 0 (:mod:`viz.animation`,
:mod:`viz.surface3d`) and every run's position after every step (float32, as the core computed them), and
under the charts a native range input over steps 0…steps with buttons for one step back and forward, back to
the start, and play/pause. Moving to a step swaps the data of the traces that change with it (each path up to
the step, the head on it, the loss cursors), with no server round trip; playing advances at the playback
speed chosen on the page. Nothing is computed in the browser beyond indexing into these arrays.

Payload for 6 optimizers × 5000 steps: 5001 points × (x, y, loss) × 4 bytes × 6 runs = 360 kB of float32
(480 kB as base64; the 3D view adds the heights, 120 kB more), besides the figures themselves.

The playback speed goes out in an element of its own, after the player's: a speed change reruns the view,
and the player's element comes out byte for byte as before (its payload is encoded once per setting and
cached), so Streamlit sends the browser, which holds it, a reference to it instead of the payload again.
"""
from __future__ import annotations

import base64
import json

import numpy as np
import streamlit as st

from simulation.settings import Settings
from ui import compute, front_end
from viz.figures import loss_axis
from viz.paths import paths_from_result
from viz.surface3d import path_heights

# kind → the figures the player shows side by side (keys of compute.FIGURE_BUILDERS), all at step 0
PLAYER_FIGURES = {"animation": ("animation",), "multiples": ("multiples",), "3d": ("3d", "3d_loss")}
CURSORS = {"animation": True, "multiples": False, "3d": True}  # whether the figures carry loss cursors
# A run of any length plays in about as many ticks as this (one step per tick for shorter runs), so each
# playback speed (milliseconds per tick) takes the same time whatever the number of steps.
PLAYBACK_TICKS = 60
CACHED_PAYLOADS = 16
PLAYER = front_end.component("descent_step_player",
                             ("plotly_setup.js", "decode.js", "playback_channel.js", "animation.js"), "animation.css")
# Hands the playback speed to the player of the same kind in the page; draws nothing.
PLAYBACK_SPEED = front_end.component("descent_step_player_speed", ("playback_channel.js", "playback_speed.js"))


def float32_array(values: np.ndarray) -> str:
    """``values`` as little-endian float32 bytes in base64 (values beyond float32's range become ±inf)."""
    with np.errstate(over="ignore"):
        return base64.b64encode(np.ascontiguousarray(values, dtype="<f4").tobytes()).decode("ascii")


def payload(kind: str, settings: Settings) -> dict:
    """What the player of ``kind`` needs for ``settings``: its figures at step 0 and every run's drawn points
    at every step (rows 0…n−1 of a run that died after n−1 steps)."""
    result = compute.simulate(settings)
    paths = paths_from_result(result)
    runs = [dict(x=float32_array(path.xy[:path.n_points, 0]), y=float32_array(path.xy[:path.n_points, 1]))
            for path in paths]
    if kind == "3d":
        grid = compute.grid(settings.surface, settings.surface_params)
        for run, heights in zip(runs, path_heights(grid.zs, paths, settings.surface_spec.log_color)):
            run["z"] = float32_array(heights)
    if CURSORS[kind]:
        series, _, _ = loss_axis(paths, settings.surface_spec.min_value)
        for run, path, values in zip(runs, paths, series):
            run["loss"] = float32_array(values[:path.n_points])
    figures = [json.loads(compute.figure(name, settings).to_json()) for name in PLAYER_FIGURES[kind]]
    return dict(kind=kind, figures=figures, runs=runs, steps=settings.steps,
                stride=max(1.0, settings.steps / PLAYBACK_TICKS))


@st.cache_data(max_entries=CACHED_PAYLOADS, show_spinner=False, hash_funcs=compute.SETTINGS_HASH)
def encoded_payload(kind: str, settings: Settings) -> bytes:
    """The player's whole data for ``kind`` and ``settings`` (:func:`payload` and where plotly.js is), as the
    UTF-8 JSON the browser decodes: encoded once per setting, whatever else reruns."""
    return json.dumps(dict(payload(kind, settings), plotly=front_end.plotly_full_asset())).encode()


def render(kind: str, settings: Settings, frame_ms: int) -> None:
    """The player of ``kind`` ("animation", "multiples" or "3d") for ``settings``, playing one tick per
    ``frame_ms`` milliseconds."""
    PLAYER(key=f"player_{kind}", data=encoded_payload(kind, settings))
    PLAYBACK_SPEED(key=f"player_speed_{kind}", data=dict(kind=kind, frame_ms=frame_ms))
