"""The playground under AppTest with your own function and with learning-rate schedules, from controls and URL."""
from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.app_run import _chart, _decode, _live, _numbers_rows, _ok, _paths, _player, _run
from optimizers.schedules import run_defaults
from ui import state
from ui.presets import PRESETS
from ui.schedule_picker import choice_key, param_key
from viz.figures import LR_META
from viz.surface3d import TRAIL_META


FORMULA = "sin(x)*cos(y) + 0.1*(x**2 + y**2)"
HOSTILE_FORMULA = "__import__('os').system('true')"


def _lr_traces(at: AppTest) -> list[dict]:
    """The learning-rate curves drawn under the loss curves."""
    return [t for t in _live(at)["loss"]["data"] if t.get("meta") == LR_META]


def test_choosing_your_own_function_draws_paths_on_it():
    at = _run()
    at.sidebar.selectbox(key=state.SURFACE).set_value(state.CUSTOM)
    at = _ok(at.run())
    at.sidebar.text_input(key=state.FORMULA).set_value("(x - 1)**2 + 3*(y + 2)**2")
    at = _ok(at.run())
    assert not at.error
    assert len(_paths(at)) == 3
    latex = [element.value for element in at.latex]
    assert any(r"\frac{\partial f}{\partial x}" in value for value in latex), "the gradient is shown"
    assert at.query_params["surface"] == "expr:(x - 1)**2 + 3*(y + 2)**2"
    assert len(_numbers_rows(at)) == 3  # no known minimum, yet the numbers table is there


def test_a_hostile_formula_gets_one_error_line_and_keeps_the_last_good_surface():
    at = _run({"surface": f"expr:{FORMULA}"})
    before = _paths(at)
    at.sidebar.text_input(key=state.FORMULA).set_value(HOSTILE_FORMULA)
    at = _ok(at.run())
    assert len(at.error) == 1 and "\n" not in at.error[0].value
    assert "__import__" in at.error[0].value  # the line points at the offending part
    assert _paths(at).keys() == before.keys()
    assert at.query_params["surface"] == f"expr:{FORMULA}"


def test_a_formula_in_the_url_restores_it():
    at = _run({"surface": f"expr:{FORMULA}", "view": "multiples"})
    assert at.sidebar.selectbox(key=state.SURFACE).value == state.CUSTOM
    assert at.sidebar.text_input(key=state.FORMULA).value == FORMULA
    assert _player(at, "multiples")["runs"]
    assert not at.info


def test_a_bad_formula_in_the_url_falls_back_with_a_note():
    at = _run({"surface": "expr:x.__class__"})
    assert at.sidebar.selectbox(key=state.SURFACE).value == "ravine"
    assert "surface='expr:x.__class__'" in at.info[0].value
    assert not at.error


def test_your_own_function_works_in_the_step_views():
    at = _run({"surface": f"expr:{FORMULA}", "view": "animation"})
    assert _player(at, "animation")["runs"]
    at = _run({"surface": f"expr:{FORMULA}", "view": "inside"})
    assert [t for t in _chart(at, "chart_inside")["data"] if t.get("meta") == TRAIL_META]


def test_your_own_function_in_3d():
    at = _run({"surface": f"expr:{FORMULA}", "3d": "1"})
    assert _player(at, "3d")["figures"][0]["data"][0]["type"] == "surface"


# ---- learning-rate schedules ---------------------------------------------------------------------------------

def test_a_cosine_schedule_changes_the_path_and_draws_the_learning_rate():
    at = _run({"optimizers": "gd"})
    assert not _lr_traces(at), "constant rates need no schedule panel"
    (before,) = _paths(at).values()
    at.selectbox(key=choice_key(state.schedule_prefix("gd"))).set_value("cosine")
    at = _ok(at.run())
    (label, after), = _paths(at).items()
    assert "cosine schedule" in label
    assert not np.array_equal(before, after)
    (curve,) = _lr_traces(at)
    fraction = _decode(curve["y"])
    assert fraction[0] == pytest.approx(1.0, rel=1e-3) and fraction[-1] < 0.01  # annealed to eta_min = 0
    assert at.query_params["gd.schedule"].startswith("cosine:T_max=150")


def test_a_schedule_in_the_url_restores_it():
    at = _run({"optimizers": "gd,adam", "adam.schedule": "step:step_size=30,gamma=0.2"})
    prefix = state.schedule_prefix("adam")
    assert at.selectbox(key=choice_key(prefix)).value == "step"
    assert at.number_input(key=param_key(prefix, "step", "step_size")).value == 30
    assert at.number_input(key=param_key(prefix, "step", "gamma")).value == 0.2
    assert len(_lr_traces(at)) == 2  # every run's rate is drawn, the constant one as a flat line
    assert not at.info


def test_a_bad_schedule_in_the_url_falls_back_with_a_note():
    at = _run({"optimizers": "adam", "adam.schedule": "cosine:T_max=-4"})
    assert at.selectbox(key=choice_key(state.schedule_prefix("adam"))).value == "constant"
    assert "adam.schedule='cosine:T_max=-4'" in at.info[0].value
    assert not _lr_traces(at)


def test_an_invalid_schedule_value_is_marked_and_the_charts_keep_the_last_valid_schedule():
    at = _run({"optimizers": "gd,adam"})
    prefix = state.schedule_prefix("gd")
    at.selectbox(key=choice_key(prefix)).set_value("exponential")
    at = _ok(at.run())
    valid = _paths(at)
    at.number_input(key=param_key(prefix, "exponential", "gamma")).set_value(0.0)
    at = _ok(at.run())
    assert [e.value for e in at.error] == ["factor per step γ must be in (0, 1], got 0"]
    drawn = _paths(at)  # the charts still stand, with the last valid schedule, and the page says so
    assert drawn.keys() == valid.keys() and all(np.array_equal(drawn[k], valid[k]) for k in valid)
    assert len(_numbers_rows(at)) == 2
    gamma = run_defaults("exponential", 150)["gamma"]
    assert any(f"keep the last valid schedule: Exponential decay (factor per step γ {gamma:g})" in c.value
               for c in at.caption)


def test_same_for_all_shares_one_schedule_and_a_preset_clears_it():
    at = _run({"optimizers": "gd,adam", "same": "1", "all.schedule": "exponential:gamma=0.98"})
    assert all("exponential schedule" in label for label in _paths(at))
    assert len(_lr_traces(at)) == 2
    at.sidebar.button(key=f"preset.{PRESETS['saddle'].key}").click()
    at = _ok(at.run())
    assert not _lr_traces(at) and "all.schedule" not in at.query_params
