"""The stability-map page under Streamlit's AppTest (defaults, theory overlays, controls, cell loading, tuning),
plus its link to the playground and the map's cell geometry."""
import base64
import json
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from simulation.settings import DIVERGENCE_BOUND, make_settings
from simulation.sweep import sweep
from ui import playground_url, stability_controls as controls, stability_page as page, stability_state, state
from viz.stability import Cell, log_edges
from viz.stability_colors import COLOR_MODES, DIVERGED, REACHED, outcome_classes

# The page as the app mounts it; AppTest runs it without a server.
SCRIPT = "from ui.stability_page import render\nrender()\n"
TIMEOUT = 60  # seconds: the first run may load the Numba kernels from the on-disk cache
SMALL = {stability_state.GRID_KEY: 25, stability_state.STEPS_KEY: 100}  # coarse and short: wiring, not pictures


def _app(**state) -> AppTest:
    at = AppTest.from_string(SCRIPT, default_timeout=TIMEOUT)
    for key, value in state.items():
        at.session_state[key] = value
    return at


def _ok(at: AppTest) -> AppTest:
    """``at`` after a run, checked for exceptions (never a traceback on the page)."""
    assert not at.exception, at.exception
    return at


def _map_traces(at: AppTest) -> list[str]:
    """Names of the traces in the stability map (AppTest has no Plotly element type: read its spec)."""
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(page.MAP_CHART_KEY))
    return [trace.get("name", "") for trace in json.loads(chart.proto.spec)["data"]]


def test_the_page_loads_with_its_defaults():
    at = _ok(_app().run())
    assert not at.error
    assert at.sidebar.selectbox(key=stability_state.SURFACE_KEY).value == stability_state.DEFAULT_SURFACE
    assert at.sidebar.select_slider(key=stability_state.GRID_KEY).value == stability_state.DEFAULT_GRID
    assert len(at.get("plotly_chart")) >= 3  # the map, and the shown cell's path and loss curve
    assert at.subheader[0].value.startswith("Path of η")
    assert "best cell" in at.caption[0].value


def test_the_ravine_map_draws_the_theory_and_explains_it():
    at = _ok(_app(**SMALL).run())
    names = _map_traces(at)
    assert "gradient descent limit η = 2/λ_max" in names
    assert "momentum limit η = 2(1+μ)/λ_max" in names
    assert "optimal (η*, μ*)" in names
    assert "2/λ_max = 0.1" in at.info[0].value and "κ = 20" in at.info[0].value


def test_an_adaptive_optimizer_gets_no_theory_lines():
    at = _ok(_app(**SMALL).run())
    _ok(at.sidebar.selectbox(key=stability_state.OPTIMIZER_KEY).set_value("adam").run())
    names = _map_traces(at)
    assert not any("limit" in name for name in names)
    assert "adaptive methods" in at.info[0].value
    assert "β1" in at.subheader[0].value


def test_the_quadratic_follows_its_condition_number_and_other_surfaces_have_no_theory():
    at = _ok(_app(**SMALL).run())
    _ok(at.sidebar.selectbox(key=stability_state.SURFACE_KEY).set_value("quadratic").run())
    _ok(at.sidebar.select_slider(key=stability_state.surface_param_key("condition")).set_value(100.0).run())
    assert "κ = 100" in at.info[0].value
    assert "2/λ_max = 0.02" in at.info[0].value
    _ok(at.sidebar.selectbox(key=stability_state.SURFACE_KEY).set_value("rosenbrock").run())
    assert not at.info and not at.error
    assert not any("limit" in name for name in _map_traces(at))


@pytest.mark.parametrize("mode", list(COLOR_MODES))
def test_every_colouring_renders(mode):
    _ok(_app(**SMALL, **{stability_state.COLOR_KEY: mode}).run())


def test_a_clicked_cell_is_loaded_into_the_path_view():
    # A click stores (optimizer, lr, momentum) through the chart's on_select callback; AppTest cannot click a
    # Plotly chart, so the test stores what the callback would.
    at = _ok(_app(**SMALL, **{page.SELECTED_KEY: ("momentum", 0.05, 0.5)}).run())
    assert at.subheader[0].value == "Path of η = 0.05, μ = 0.500"
    assert "cell you clicked" in at.caption[0].value
    assert "shown below" in _map_traces(at)
    # a cell clicked for another optimizer, or now off the map, does not apply
    _ok(at.sidebar.selectbox(key=stability_state.OPTIMIZER_KEY).set_value("lion").run())
    assert "best cell" in at.caption[0].value
    at = _ok(_app(**SMALL, **{page.SELECTED_KEY: ("momentum", 50.0, 0.5)}).run())
    assert "best cell" in at.caption[0].value


def test_tuning_shows_default_and_tuned_side_by_side():
    at = _ok(_app(**SMALL, **{stability_state.TAB_KEY: stability_state.TABS["tune"]}).run())
    assert "Objective:" in " ".join(m.value for m in at.markdown)
    assert not at.dataframe
    _ok(at.button(key="stability.tune_button").click().run())
    table = at.dataframe[0].value
    assert list(table["optimizer"]) == ["Gradient descent (SGD)", "Momentum (heavy ball)", "Adam"]
    assert {"default η", "tuned η"} <= set(table.columns)


def test_invalid_input_is_one_line_of_error_not_a_traceback():
    at = _ok(_app(**SMALL).run())
    _ok(at.sidebar.number_input(key="stability.start_x.ravine").set_value(DIVERGENCE_BOUND * 10).run())
    assert len(at.error) == 1 and "start x must be in" in at.error[0].value


def test_the_playground_link_carries_the_shown_run():
    inputs = controls.PageInputs("quadratic", (("condition", 100.0),), "nag", (-4.0, 1.5), 300, 50, (1e-3, 1.0),
                             "final_loss")
    url = page.playground_url(inputs, Cell(0.02, 0.9))
    values, notes = playground_url.decode(dict(parse_qsl(urlsplit(url).query)))
    assert not notes, notes
    assert values == {state.SURFACE: "quadratic", state.OPTIMIZERS_KEY: ["nag"], state.STEPS: 300,
                      state.START_X: -4.0, state.START_Y: 1.5, state.surface_param_key("condition"): 100.0,
                      state.hp_key("nag", "lr"): 0.02, state.hp_key("nag", "momentum"): 0.9}


def test_map_cells_are_centred_on_their_values_and_classified_by_outcome():
    lrs = np.logspace(-3, 0, 7)
    edges = log_edges(lrs)
    np.testing.assert_allclose(np.sqrt(edges[:-1] * edges[1:]), lrs)  # each centre is its cell's log-midpoint
    result = sweep(make_settings("ravine", [("momentum", {})], steps=200), lrs, "momentum", [0.0, 0.5])
    classes = outcome_classes(result, 0.0)
    assert (classes[result.diverged_at >= 0] == DIVERGED).all()
    assert (classes[(result.steps_to_tolerance >= 0) & (result.diverged_at < 0)] == REACHED).all()


# --- shareable links -------------------------------------------------------------------------------------------

LINK = {"surface": "quadratic", "condition": "100", "optimizer": "nag", "start": "-4,1.5", "steps": "200",
        "grid": "50", "lr": "0.001,1", "color": "outcome"}


def _linked(query: dict[str, str]) -> AppTest:
    at = _app()
    for name, value in query.items():
        at.query_params[name] = value
    return _ok(at.run())


def test_a_link_restores_every_control_and_the_page_keeps_the_url_current():
    at = _linked(LINK)
    sidebar = at.sidebar
    assert sidebar.selectbox(key=stability_state.SURFACE_KEY).value == "quadratic"
    assert sidebar.select_slider(key=stability_state.surface_param_key("condition")).value == 100.0
    assert sidebar.selectbox(key=stability_state.OPTIMIZER_KEY).value == "nag"
    assert sidebar.number_input(key="stability.start_x.quadratic").value == -4.0
    assert sidebar.number_input(key="stability.start_y.quadratic").value == 1.5
    assert sidebar.select_slider(key=stability_state.STEPS_KEY).value == 200
    assert sidebar.select_slider(key=stability_state.GRID_KEY).value == 50
    assert tuple(sidebar.select_slider[-1].value) == (0.001, 1.0)  # the learning-rate range
    assert sidebar.radio(key=stability_state.COLOR_KEY).value == "outcome"
    assert not [i for i in at.info if "could not be used" in i.value]
    assert dict(at.query_params) == LINK  # the run that read the address leaves it as it was
    _ok(at.run())
    assert dict(at.query_params) == {**LINK, "start": "-4,1.5", "tab": "map"}  # the next one writes it in full
    _ok(sidebar.select_slider(key=stability_state.GRID_KEY).set_value(75).run())
    assert at.query_params["grid"] == "75"


def test_a_link_opens_its_tab_and_its_clicked_cell_and_a_click_goes_into_the_url():
    at = _linked({**LINK, "grid": "25", "tab": "fan", "cell": "0.0123,0.5"})
    assert at.session_state[stability_state.SELECTED_KEY] == ("nag", 0.0123, 0.5)
    fan = [c for c in at.get("plotly_chart") if c.proto.id.endswith("stability.fan")]
    assert fan and not [c for c in at.get("plotly_chart") if c.proto.id.endswith(page.MAP_CHART_KEY)]
    assert json.loads(fan[0].proto.spec)["layout"]["title"]["text"].endswith("μ = 0.500")  # the clicked row
    at.session_state[stability_state.TAB_KEY] = stability_state.TABS["map"]
    at.session_state[stability_state.SELECTED_KEY] = ("nag", 0.05, 0.25)  # what a click on the map stores
    _ok(at.run())
    assert at.subheader[0].value == "Path of η = 0.05, μ = 0.250"
    assert (at.query_params["tab"], at.query_params["cell"]) == ("map", "0.05,0.25")


def test_bad_link_values_fall_back_with_a_note():
    at = _linked({"surface": "nowhere", "optimizer": "adagrad", "grid": "7000", "lr": "1,0.001", "start": "a,b",
                  "colour": "x", "tab": "nowhere", "cell": "5,7"})
    assert at.sidebar.selectbox(key=stability_state.SURFACE_KEY).value == stability_state.DEFAULT_SURFACE
    assert at.sidebar.selectbox(key=stability_state.OPTIMIZER_KEY).value == stability_state.DEFAULT_OPTIMIZER
    assert at.sidebar.select_slider(key=stability_state.GRID_KEY).value == stability_state.DEFAULT_GRID
    (note,) = [i.value for i in at.info if "could not be used" in i.value]
    for fragment in ("surface=", "optimizer=", "grid=", "lr=", "start=", "'colour'", "tab=", "cell="):
        assert fragment in note
    assert not at.error


def test_links_round_trip_through_encode_and_decode():

    values, notes = stability_state.decode(LINK)
    assert not notes
    again = stability_state.encode("quadratic", (("condition", 100.0),), "nag", (-4.0, 1.5), 200, 50, (0.001, 1.0),
                                   "outcome", "fan", (0.02, 0.9))
    assert again == {**LINK, "start": "-4,1.5", "tab": "fan", "cell": "0.02,0.9"}
    values, notes = stability_state.decode(again)
    assert not notes
    assert values[stability_state.TAB_KEY] == stability_state.TABS["fan"]
    assert values[stability_state.SELECTED_KEY] == ("nag", 0.02, 0.9)
    assert values[stability_state.LINKED_LR_RANGE_KEY] == (0.001, 1.0)


def test_a_learning_rate_range_with_equal_ends_is_widened_with_a_note():
    assert controls.two_ended((1.0, 1.0)) == (1.0, 1.5)
    assert controls.two_ended((10.0, 10.0)) == (9.0, 10.0)
    at = _ok(_app().run())
    lr_range = next(s for s in at.sidebar.select_slider if s.label == "Learning-rate range")
    at = _ok(lr_range.set_value((1.0, 1.0)).run())
    assert any("two different ends: showing 1 to 1.5" in caption.value for caption in at.sidebar.caption)
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(page.MAP_CHART_KEY))
    edges = json.loads(chart.proto.spec)["data"][0]["x"]  # the heatmap's cell edges, as a typed array
    if isinstance(edges, dict):  # Plotly 6 sends numpy data as a typed array, Plotly 5 as a list
        edges = np.frombuffer(base64.b64decode(edges["bdata"]), dtype=edges["dtype"])
    assert edges[0] < 1.0 < 1.5 < edges[-1]  # cells from 1 to 1.5: a map, not an empty frame
