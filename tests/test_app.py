"""The playground under Streamlit's AppTest: defaults, sliders, optimizers, presets, URL state, divergence."""
from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.testing.v1 import AppTest

from landscapes.registry import SURFACES
from tests.app_run import APP, TIMEOUT, _chart, _decode, _live, _numbers_rows, _ok, _paths, _player, _run, _shown
import ui
from ui import family_route, live_paths, state, views
from ui.presets import PRESETS
from viz.surface3d import TRAIL_META


def test_the_app_loads_with_defaults_and_draws_every_path():
    at = _run()
    assert not at.error
    assert at.sidebar.selectbox(key=state.SURFACE).value == "ravine"
    chosen = at.sidebar.multiselect(key=state.OPTIMIZERS_KEY).value
    assert len(_paths(at)) == len(chosen) == 3
    assert len(_numbers_rows(at)) == 3


def test_changing_the_learning_rate_changes_the_path():
    at = _run()
    before = _paths(at)
    slider = at.sidebar.select_slider(key=state.hp_key("gd", "lr"))
    slider.set_value(0.02)
    after = _paths(_ok(at.run()))
    assert "gd (lr=0.02)" in after and "gd (lr=0.09)" in before
    assert not np.array_equal(before["gd (lr=0.09)"], after["gd (lr=0.02)"])


def test_selecting_three_optimizers_draws_three_paths():
    at = _run()
    at.sidebar.multiselect(key=state.OPTIMIZERS_KEY).set_value(["nag", "rmsprop", "lion"])
    paths = _paths(_ok(at.run()))
    assert [label.split()[0] for label in paths] == ["nag", "rmsprop", "lion"]


def test_a_preset_sets_its_controls():
    preset = PRESETS["saddle"]
    at = _run()
    at.sidebar.button(key=f"preset.{preset.key}").click()
    at = _ok(at.run())
    assert at.sidebar.selectbox(key=state.SURFACE).value == "saddle"
    assert at.sidebar.multiselect(key=state.OPTIMIZERS_KEY).value == [name for name, _ in preset.runs]
    assert at.sidebar.select_slider(key=state.hp_key("adam", "lr")).value == 0.05
    assert at.sidebar.slider(key=state.STEPS).value == preset.steps
    assert preset.story in at.info[0].value  # the story stays until a control changes
    at.sidebar.slider(key=state.STEPS).set_value(preset.steps + 10)
    assert not _ok(at.run()).info


def test_query_parameters_restore_the_view():
    at = _run({"surface": "rosenbrock", "optimizers": "adam,nag", "adam.lr": "0.03", "steps": "400",
               "start": "-1,2.5", "view": "inside"})
    assert at.sidebar.selectbox(key=state.SURFACE).value == "rosenbrock"
    assert at.sidebar.multiselect(key=state.OPTIMIZERS_KEY).value == ["adam", "nag"]
    assert at.sidebar.select_slider(key=state.hp_key("adam", "lr")).value == 0.03
    assert at.sidebar.slider(key=state.STEPS).value == 400
    assert (at.sidebar.number_input(key=state.START_X).value, at.sidebar.number_input(key=state.START_Y).value) \
        == (-1.0, 2.5)
    assert at.radio(key=state.VIEW).value == "inside"
    assert not at.info  # nothing needed a fallback


def test_bad_query_parameters_fall_back_with_a_note():
    at = _run({"surface": "moon", "optimizers": "adam,warp", "adam.lr": "fast", "steps": "-3"})
    assert not at.error
    assert at.sidebar.selectbox(key=state.SURFACE).value == "ravine"
    assert at.sidebar.multiselect(key=state.OPTIMIZERS_KEY).value == ["adam"]
    note = at.info[0].value
    for fragment in ("surface='moon'", "'warp'", "adam.lr='fast'", "steps='-3'"):
        assert fragment in note


def test_optimizer_names_in_the_url_may_be_capitalised():
    at = _run({"optimizers": "GD,Adam"})
    assert at.sidebar.multiselect(key=state.OPTIMIZERS_KEY).value == ["gd", "adam"]
    assert not at.info


def test_the_url_follows_the_controls():
    at = _run()
    at.sidebar.select_slider(key=state.hp_key("adam", "lr")).set_value(0.2)
    at = _ok(at.run())
    assert at.query_params["adam.lr"] == "0.2"
    assert at.query_params["surface"] == "ravine"


def test_a_diverging_setting_shows_the_divergence_message():
    at = _run({"optimizers": "gd", "gd.lr": "0.5"})
    messages = [w.value for w in at.warning]
    assert any("diverged at step" in m for m in messages), messages
    assert all("diverged at step" in row for row in _numbers_rows(at))


@pytest.mark.parametrize("same_for_all", [False, True])
def test_no_optimizer_gives_a_one_line_error_not_a_traceback(same_for_all):
    at = _run({"same": "1" if same_for_all else "0"})
    at.sidebar.multiselect(key=state.OPTIMIZERS_KEY).set_value([])
    at = _ok(at.run())
    assert at.error[0].value == "choose at least one optimizer"


@pytest.mark.parametrize("view", ["animation", "multiples"])
def test_the_step_player_gets_every_step_of_every_run(view):
    at = _run({"view": view, "optimizers": "gd,momentum,adam,rmsprop", "steps": "300"})
    data = _player(at, view)
    assert data["steps"] == 300 and len(data["runs"]) == 4
    assert all(len(_decode(dict(dtype="f4", bdata=run["x"]))) == 301 for run in data["runs"])
    (figure,) = data["figures"]
    assert len([t for t in figure["data"] if t.get("meta") == TRAIL_META]) == 4
    assert not figure.get("frames"), "steps are moved in the browser, not by Plotly frames"


def test_inside_the_optimizer_moves_one_step_at_a_time():
    at = _run({"view": "inside", "optimizers": "gd,momentum"})
    assert at.slider(key=views.INSIDE_STEP).value == 0
    for _ in range(3):
        at.button(key="inside_forward").click()
        at = _ok(at.run())
    assert at.slider(key=views.INSIDE_STEP).value == 3
    trails = [t for t in _chart(at, "chart_inside")["data"] if t.get("meta") == TRAIL_META]
    assert [len(_decode(t["x"])) for t in trails] == [4, 4]  # the positions after 0…3 updates
    at.button(key="inside_back").click()
    assert _ok(at.run()).slider(key=views.INSIDE_STEP).value == 2
    at.button(key="inside_reset").click()
    assert _ok(at.run()).slider(key=views.INSIDE_STEP).value == 0


def test_the_3d_toggle_shows_the_surface():
    at = _run()
    at.toggle(key=state.THREE_D).set_value(True)
    at = _ok(at.run())
    surface, loss = _player(at, "3d")["figures"]
    assert surface["data"][0]["type"] == "surface"
    assert all("z" in run for run in _player(at, "3d")["runs"]), "heights to grow the 3D paths"


def test_same_hyperparameters_for_all_drives_every_optimizer():
    at = _run({"optimizers": "gd,adam", "same": "1", "all.lr": "0.05"})
    assert sorted(_paths(at)) == ["adam (lr=0.05)", "gd (lr=0.05)"]


def test_each_optimizers_own_values_come_back_when_same_for_all_is_switched_off_again():
    at = _run({"optimizers": "gd,adam"})
    at.sidebar.select_slider(key=state.hp_key("gd", "lr")).set_value(0.01)
    at = _ok(at.run())
    at.sidebar.toggle(key=state.SAME_FOR_ALL).set_value(True)
    at = _ok(at.run())
    at.sidebar.toggle(key=state.SAME_FOR_ALL).set_value(False)
    at = _ok(at.run())
    slider = at.sidebar.select_slider(key=state.hp_key("gd", "lr"))
    assert slider.value == 0.01 and _shown(slider) == "0.01"  # and the browser shows it, not the lowest option
    assert "gd (lr=0.01)" in _paths(at)


def _trigger(at: AppTest, event: str, value) -> AppTest:
    """Run ``at`` as after the live component sent ``event`` with ``value`` (what its JavaScript does)."""
    component = next(c for c in at.get("bidi_component") if live_paths.COMPONENT_KEY in c.proto.id)
    states = at._tree.get_widget_states()
    trigger = states.widgets.add()
    trigger.id = _make_trigger_id(component.proto.id, "events")
    trigger.json_trigger_value = json.dumps([{"event": event, "value": value}])
    return _ok(at._run(states))


def test_committing_a_live_control_updates_the_sidebar_the_url_the_table_and_the_paths():
    at = _run()
    control = next(c for c in _live(at)["controls"] if c["id"] == "adam.lr")
    assert control["label"] == "Adam learning rate"
    index = control["options"].index(0.02)
    at = _trigger(at, "commit", {"control": "adam.lr", "index": index})
    assert at.sidebar.select_slider(key=state.hp_key("adam", "lr")).value == 0.02
    assert at.query_params["adam.lr"] == "0.02"
    assert any(row.startswith("| adam (lr=0.02)") for row in _numbers_rows(at))
    assert "adam (lr=0.02)" in _paths(at)


def test_a_shared_live_control_drives_every_optimizer_that_has_it():
    at = _run({"optimizers": "gd,adam", "same": "1"})
    controls = {c["id"]: c for c in _live(at)["controls"]}
    assert set(controls) == {"all.lr", "all.beta1"} and controls["all.lr"]["runs"] == [0, 1]
    at = _trigger(at, "commit", {"control": "all.beta1", "index": controls["all.beta1"]["options"].index(0.8)})
    assert at.session_state[state.hp_key(state.SHARED, "beta1")] == 0.8
    assert any(label.startswith("adam (") and "beta1=0.8" in label for label in _paths(at))


def _family_keys(at: AppTest) -> dict[str, str]:
    return {c["id"]: c["family_key"] for c in _live(at)["controls"]}


def test_a_live_controls_family_comes_for_the_pages_settings_and_dragging_the_start_moves_the_paths():
    at = _run()
    data = _live(at)
    control = next(c for c in data["controls"] if c["id"] == "momentum.momentum")
    asked = dict(settings=data["settings"], runs=control["runs"], hp=control["hp"])  # what the browser sends
    family = json.loads(family_route.answer(json.dumps(asked).encode()))
    assert family["key"] == control["family_key"]  # the browser holds it while the page's settings hold
    assert len(family["options"]) == len(family["lengths"][0]) == len(control["options"])
    keys = _family_keys(at)
    at.sidebar.select_slider(key=state.hp_key("gd", "lr")).set_value(0.01)
    at = _ok(at.run())
    assert _family_keys(at)["momentum.momentum"] != keys["momentum.momentum"]  # new settings: a new family
    assert _family_keys(at)["gd.lr"] == keys["gd.lr"]  # but not for the control whose own value changed
    before = _paths(at)
    at = _trigger(at, "drag_start", [1.0, 1.5, 7])
    dragged = _live(at)["dragged"]
    assert dragged["start"] == [1.0, 1.5] and dragged["start_seq"] == 7
    assert at.sidebar.number_input(key=state.START_X).value == -5.0  # not committed while dragging
    for path in dragged["paths"]:
        assert (_decode(path["x"])[0], _decode(path["y"])[0]) == (1.0, 1.5)
    at = _trigger(at, "commit_start", [1.0, 1.5])
    assert all(not np.array_equal(before[k], v) for k, v in _paths(at).items())
    assert (at.sidebar.number_input(key=state.START_X).value, at.sidebar.number_input(key=state.START_Y).value) \
        == (1.0, 1.5)
    assert at.query_params["start"] == "1,1.5"


def test_changing_the_surface_resets_start_and_step_sizes_to_its_suggestions():
    at = _run()
    at.sidebar.select_slider(key=state.hp_key("gd", "lr")).set_value(0.5)
    at.sidebar.selectbox(key=state.SURFACE).set_value("rosenbrock")
    at = _ok(at.run())
    rosenbrock = SURFACES["rosenbrock"]
    assert at.sidebar.select_slider(key=state.hp_key("gd", "lr")).value == rosenbrock.sgd_lr
    assert (at.sidebar.number_input(key=state.START_X).value,
            at.sidebar.number_input(key=state.START_Y).value) == rosenbrock.default_start


def test_the_quadratic_offers_its_condition_number():
    at = _run({"surface": "quadratic", "condition": "100"})
    assert at.sidebar.select_slider(key=state.surface_param_key("condition")).value == 100.0
    assert not at.info


# ---- your own function ---------------------------------------------------------------------------------------


def test_a_broken_import_is_an_error_not_a_missing_page(monkeypatch):
    """A page whose code cannot be imported fails loudly; nothing turns it into "not available here"."""
    monkeypatch.delattr(ui, "playground", raising=False)
    monkeypatch.delitem(sys.modules, "ui.playground", raising=False)
    monkeypatch.setitem(sys.modules, "ui.export_panel", None)  # importing it now raises ImportError
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert at.exception, "the import error is shown (its details go to the server's log)"
    assert not [m for m in at.markdown if "not available" in m.value]
