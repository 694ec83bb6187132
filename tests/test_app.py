"""The playground under Streamlit's AppTest: defaults, sliders, optimizers, presets, URL state, divergence."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.testing.v1 import AppTest

from landscapes.registry import SURFACES
from optimizers.registry import OPTIMIZERS
from ui import live_paths, state, views
from ui.presets import PRESETS
from ui.schedule_picker import choice_key, param_key, scaled_defaults
from viz.figures import LR_META, PATH_META
from viz.surface3d import TRAIL_META

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 60  # seconds: the first run may load the Numba kernels from the on-disk cache


def _run(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    return _ok(at.run())


def _ok(at: AppTest) -> AppTest:
    """``at`` after a run, checked for exceptions: the page must never show a traceback."""
    assert not at.exception, [e.value for e in at.exception]
    return at


def _decode(array) -> np.ndarray:
    """A Plotly spec array: a plain list, or a typed array {"dtype", "bdata"} as Plotly sends numpy data."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"]))
    return np.asarray(array, dtype=float)


def _chart(at: AppTest, key: str) -> dict:
    """The Plotly spec of the chart with user key ``key`` (AppTest has no Plotly element type)."""
    chart = next(c for c in at.get("plotly_chart") if key in c.proto.id)
    return json.loads(chart.proto.spec)


def _live(at: AppTest) -> dict:
    """The data of the live map-and-loss component (AppTest shows custom components as unknown elements)."""
    return json.loads(next(c for c in at.get("bidi_component") if live_paths.COMPONENT_KEY in c.proto.id).proto.json)


def _player(at: AppTest, kind: str) -> dict:
    """The data of the step player of ``kind`` ("animation", "multiples" or "3d")."""
    return json.loads(next(c for c in at.get("bidi_component") if f"player_{kind}" in c.proto.id).proto.json)


def _paths(at: AppTest) -> dict[str, np.ndarray]:
    """Label → drawn (x, y) points of every optimizer path on the map."""
    traces = _live(at)["map"]["data"]
    return {t["name"]: np.column_stack([_decode(t["x"]), _decode(t["y"])])
            for t in traces if t.get("meta") == PATH_META}


def _shown(slider) -> str:
    """The option a select slider shows in the browser: the value the server sends with ``set_value``, else
    the element's default (the value it holds in session state is not sent on its own)."""
    proto = slider.proto
    return proto.raw_value[0] if proto.set_value else proto.options[int(proto.default[0])]


def _numbers_rows(at: AppTest) -> list[str]:
    """The body rows of the numbers table (a Markdown table under the "Numbers" heading)."""
    table = next(m.value for m in at.markdown if m.value.startswith("| optimizer"))
    return table.splitlines()[2:]


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


def test_pressing_a_live_control_sends_its_family_and_dragging_the_start_moves_the_paths():
    at = _run()
    assert _live(at)["family"] is None
    at = _trigger(at, "family", "momentum.momentum")
    family = _live(at)["family"]
    assert family["control"] == "momentum.momentum" and len(family["options"]) == len(family["lengths"][0])
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
    gamma = scaled_defaults("exponential", 150)["gamma"]
    assert any(f"keep the last valid schedule: Exponential decay (factor per step γ {gamma:g})" in c.value
               for c in at.caption)


def test_same_for_all_shares_one_schedule_and_a_preset_clears_it():
    at = _run({"optimizers": "gd,adam", "same": "1", "all.schedule": "exponential:gamma=0.98"})
    assert all("exponential schedule" in label for label in _paths(at))
    assert len(_lr_traces(at)) == 2
    at.sidebar.button(key=f"preset.{PRESETS['saddle'].key}").click()
    at = _ok(at.run())
    assert not _lr_traces(at) and "all.schedule" not in at.query_params


TRANSIENT = ("Info", "Warning", "UnknownElement")  # notes that come and go, and the empty slots they leave


def _layout(node, path: tuple[int, ...] = ()) -> list[tuple[tuple[int, ...], str]]:
    """Where every lasting element of ``node`` sits, as (path of child indices, element type), depth first."""
    placed = []
    for index, child in node.children.items():
        kind = type(child).__name__
        if kind not in TRANSIENT:
            placed.append((path + (index,), kind))
        if getattr(child, "children", None):
            placed += _layout(child, path + (index,))
    return placed


def test_elements_keep_their_positions_after_the_first_run():
    """The first run's chart-library placeholder leaves an empty slot behind: were it gone, every element
    below would move up one place and the browser would reset its state (the open tab, an expanded panel)."""
    at = _run()
    first = _layout(at.main)
    assert _layout(_ok(at.run()).main) == first


def test_notes_and_warnings_leave_their_slots_so_nothing_below_moves():
    """A link's note shows once and a divergence warning comes and goes with the learning rate; the elements
    after them stay where they were."""
    at = _run({"surface": "rosenbrock", "optimizers": "gd", "gd.lr": "10", "bogus": "1"})
    assert at.info and at.warning  # the URL note and "diverged at step k"
    first = _layout(at.main)
    at.select_slider(key=state.hp_key("gd", "lr")).set_value(1e-3)
    assert not _ok(at.run()).warning and not [i for i in at.info if "could not be used" in i.value]
    assert _layout(at.main) == first


def test_a_closed_more_section_keeps_its_values_and_draws_its_sliders_when_opened():
    """The "More" sliders are drawn only while their section is open; closed, their values still drive the
    run and the link, and opening the section shows them as they were."""
    at = _run({"optimizers": "momentum", "momentum.momentum": "0.5"})
    key = state.hp_key("momentum", "momentum")
    assert key not in [s.key for s in at.sidebar.select_slider]  # closed: not drawn
    assert at.query_params["momentum.momentum"] == "0.5"
    at.select_slider(key=state.hp_key("momentum", "lr")).set_value(0.01)
    at = _ok(at.run())
    assert at.session_state[key] == 0.5 and at.query_params["momentum.momentum"] == "0.5"
    (heavy_ball,) = _paths(at).values()
    at.session_state[state.MORE_OPEN + "momentum"] = True
    at = _ok(at.run())
    assert at.sidebar.select_slider(key=key).value == 0.5 and _shown(at.sidebar.select_slider(key=key)) == "0.5"
    at.sidebar.select_slider(key=key).set_value(0.0)
    (plain_gd,) = _paths(_ok(at.run())).values()
    assert not np.allclose(plain_gd, heavy_ball)


def test_export_options_are_drawn_only_while_open_and_kept_while_closed():
    at = _run()
    assert not at.get("button") or "export_prepare_gif" not in [b.key for b in at.button]
    at.session_state[state.EXPORT_OPEN] = True
    at = _ok(at.run())
    at.slider(key="export_frames").set_value(30)
    at = _ok(at.run())
    at.session_state[state.EXPORT_OPEN] = False
    at.select_slider(key=state.hp_key("gd", "lr")).set_value(0.01)
    at = _ok(at.run())
    assert "export_frames" not in [s.key for s in at.slider]
    at.session_state[state.EXPORT_OPEN] = True
    frames = _ok(at.run()).slider(key="export_frames")
    shown = frames.proto.value if frames.proto.set_value else frames.proto.default
    assert frames.value == 30 and list(shown) == [30]  # kept, and shown in the browser too


def test_the_explanation_follows_the_picked_optimizer():
    at = _run({"optimizers": "gd,adam"})
    picker = at.button_group(key=state.EXPLAINED)
    assert picker.value == "gd"
    rules = " ".join(element.value for element in at.latex)
    assert OPTIMIZERS["gd"].latex in rules and OPTIMIZERS["adam"].latex not in rules
    picker.set_value("adam")
    rules = " ".join(element.value for element in _ok(at.run()).latex)
    assert OPTIMIZERS["adam"].latex in rules and OPTIMIZERS["gd"].latex not in rules
    assert at.query_params["explain"] == "adam"
    at.sidebar.multiselect(key=state.OPTIMIZERS_KEY).set_value(["momentum"])  # adam gone: the first is shown
    assert _ok(at.run()).button_group(key=state.EXPLAINED).value == "momentum"


def test_the_explained_optimizer_comes_from_the_link_and_a_bad_one_falls_back():
    at = _run({"optimizers": "gd,adam", "explain": "adam"})
    assert at.button_group(key=state.EXPLAINED).value == "adam" and not at.info
    at = _run({"optimizers": "gd,adam", "explain": "lion"})  # not among the chosen optimizers
    assert at.button_group(key=state.EXPLAINED).value == "gd"
    assert any("explain" in note.value for note in at.info)
