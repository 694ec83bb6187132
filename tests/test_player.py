"""What the step player is sent: every step of every run, bit-equal to the engine after float32 rounding; and
on a change of playback speed, only the speed."""
from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from landscapes.grid import surface_grid
from simulation.engine import run
from simulation.settings import make_settings
from ui import animation_player
from viz.figures import LOSS_GAP_FLOOR
from viz.paths import paths_from_result
from viz.surface3d import path_heights

SIX = ("gd", "momentum", "nag", "rmsprop", "adam", "lion")
MAX_STEPS = 5000  # the most steps the sidebar offers
# float32 x, y and loss per point of 6 runs × 5001 points, in base64 (4/3), with room for the JSON around it
RUNS_BYTES_BOUND = 6 * (MAX_STEPS + 1) * 3 * 4 * 4 // 3 + 10_000
# A page holding only the step player, at the playback speed (milliseconds per tick) in session state.
PLAYER_PAGE = """
import streamlit as st
from simulation.settings import make_settings
from ui import animation_player
settings = make_settings("ravine", [("gd", {}), ("adam", {})], 300)
animation_player.render("animation", settings, st.session_state.get("frame_ms", 100))
"""
SPEED_ELEMENT_BOUND = 2_000  # bytes: the speed and the few lines of script that hand it over


def _floats(b64: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(b64), dtype="<f4")


def test_every_step_is_sent_as_the_engine_computed_it():
    settings = make_settings("rosenbrock", [(name, {}) for name in SIX], 400)
    data = animation_player.payload("animation", settings)
    result = run(settings)
    min_value = settings.surface_spec.min_value
    assert data["steps"] == 400 and len(data["runs"]) == len(SIX)
    for k, sent in enumerate(data["runs"]):
        assert len(_floats(sent["x"])) == 401, "every step 0…steps"
        np.testing.assert_array_equal(_floats(sent["x"]), result.positions[k, :, 0].astype(np.float32))
        np.testing.assert_array_equal(_floats(sent["y"]), result.positions[k, :, 1].astype(np.float32))
        gap = np.maximum(result.losses[k] - min_value, LOSS_GAP_FLOOR)
        np.testing.assert_array_equal(_floats(sent["loss"]), gap.astype(np.float32))


def test_a_run_that_died_is_sent_up_to_where_it_died():
    settings = make_settings("ravine", [("gd", {"lr": 1.0}), ("adam", {})], 150)
    data = animation_player.payload("multiples", settings)
    gd, adam = paths_from_result(run(settings))
    assert gd.died and len(_floats(data["runs"][0]["x"])) == gd.n_points < 151
    assert np.isfinite(_floats(data["runs"][0]["x"])).all()
    assert len(_floats(data["runs"][1]["x"])) == 151
    assert "loss" not in data["runs"][0], "side by side has no loss cursors"


def test_the_3d_player_gets_the_heights_the_figure_draws():
    settings = make_settings("himmelblau", [("gd", {}), ("adam", {})], 200)
    data = animation_player.payload("3d", settings)
    paths = paths_from_result(run(settings))
    grid = surface_grid("himmelblau")
    for sent, heights in zip(data["runs"], path_heights(grid.zs, paths, settings.surface_spec.log_color)):
        np.testing.assert_array_equal(_floats(sent["z"]), heights.astype(np.float32))
    assert [figure["data"][0]["type"] for figure in data["figures"]] == ["surface", "scatter"]


@pytest.mark.parametrize("kind", ["animation", "3d"])
def test_six_optimizers_over_the_most_steps_stay_a_small_payload(kind):
    settings = make_settings("ravine", [(name, {}) for name in SIX], MAX_STEPS)
    data = animation_player.payload(kind, settings)
    runs_bytes = len(json.dumps(data["runs"]))
    heights = 6 * (MAX_STEPS + 1) * 4 * 4 // 3 if kind == "3d" else 0
    assert runs_bytes <= RUNS_BYTES_BOUND + heights
    assert len(json.dumps(data["figures"])) < 400_000, "the figures are sent with thinned paths"


def test_a_speed_change_sends_only_the_speed():
    """Streamlit sends an element that comes out byte for byte as the browser already holds it as a reference
    to it: after a speed change, only the elements that differ go out in full."""
    page = AppTest.from_string(PLAYER_PAGE, default_timeout=60).run()
    before = [element.proto.SerializeToString() for element in page.get("bidi_component")]
    page.session_state["frame_ms"] = 40
    page.run()
    after = [element.proto.SerializeToString() for element in page.get("bidi_component")]
    changed = [element for element in after if element not in before]
    assert max(map(len, before)) > 10 * SPEED_ELEMENT_BOUND, "the player's payload went out on the first run"
    assert changed and sum(map(len, changed)) < SPEED_ELEMENT_BOUND
    assert [json.loads(element.proto.json) for element in page.get("bidi_component")
            if element.proto.component_name.endswith("speed")] == [dict(kind="animation", frame_ms=40)]
