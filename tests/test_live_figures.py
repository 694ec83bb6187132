"""What the charts say at a glance: dashes per optimizer, runs that died, loss axes, the true aspect."""
from __future__ import annotations

import base64
import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import plotly
import plotly.graph_objects as go

from landscapes.grid import DEFAULT_RESOLUTION, surface_grid
from optimizers.registry import OPTIMIZERS
from simulation.outcomes import DIVERGED, EXPLODED, RAN, UNDEFINED_AT_START, Ending, run_ending
from simulation.engine import run
from simulation.settings import make_run, make_settings
from ui import front_end, live_paths
from viz import result_figures
from viz.figures import END_META, LOSS_META, PATH_META, figure_json
from viz.loss_figures import decade_ticks
from viz.paths import paths_from_result
from viz.result_figures import DIED_META

# gd at lr = 0.2 on the ravine multiplies its distance across the valley by 3 each step: it blows up.
BLOWS_UP = [("gd", {"lr": 0.2}), ("momentum", {}), ("adam", {})]


def _result(runs=BLOWS_UP, steps=150):
    return run(make_settings("ravine", runs, steps), record_state=True)


def _traces(fig: go.Figure, meta: str) -> list:
    return [t for t in fig.data if t.meta == meta]


def test_how_a_run_ended_is_classified():
    losses, no_stop = np.array([1.0, 10.0, 2e6]), np.full(3, np.nan)
    assert run_ending(losses, None, 0.0, no_stop) == Ending(EXPLODED, 2)
    assert run_ending(losses[:2], None, 0.0, no_stop).kind == RAN
    assert run_ending(losses, 2, 0.0, np.array([1e101, 0.0, np.inf])).kind == DIVERGED
    assert run_ending(losses, 0, 0.0, np.array([1.0, 1.0, np.nan])).kind == UNDEFINED_AT_START


def test_the_end_marker_says_how_a_run_ended():
    fig = result_figures.map_figure(_result(), surface_grid("ravine", DEFAULT_RESOLUTION, ()))
    ends = _traces(fig, END_META)
    assert [e.marker.symbol for e in ends] == ["x", "circle", "circle"]
    assert "exploded at step" in ends[0].hovertemplate


def test_a_run_that_blew_up_is_drawn_up_to_there_with_a_cross():
    result = _result()
    fig = result_figures.live_map_figure(result, surface_grid("ravine", DEFAULT_RESOLUTION, ()))
    gd_path, *others = _traces(fig, PATH_META)
    [dots], [crosses] = _traces(fig, END_META), _traces(fig, DIED_META)  # one point per run in each
    assert [x is not None for x in dots.x] == [False, True, True]
    assert [x is not None for x in crosses.x] == [True, False, False]
    assert crosses.marker.symbol == "x" and dots.marker.symbol == "circle"
    assert list(crosses.marker.color) == list(dots.marker.color) == [OPTIMIZERS[name].color for name, _ in BLOWS_UP]
    died = paths_from_result(result)[0].ending
    assert died.kind == EXPLODED and len(gd_path.x) == died.step + 1
    assert np.allclose([crosses.x[0], crosses.y[0]], [gd_path.x[-1], gd_path.y[-1]], rtol=1e-6)
    assert "exploded at step" in crosses.hovertemplate[0]


def test_the_live_loss_axis_spans_the_runs_that_did_not_blow_up():
    fig = result_figures.live_loss_figure(_result())
    low, high = fig.layout.yaxis.range
    curves = _traces(fig, LOSS_META)
    for curve in curves[1:]:
        logs = np.log10(np.asarray(curve.y, dtype=float))
        assert low <= logs.min() and logs.max() <= high
    assert np.log10(np.nanmax(np.asarray(curves[0].y, dtype=float))) > high


def test_each_optimizer_has_its_own_dash_on_map_and_loss_curves():
    runs = [(name, {}) for name in ("momentum", "adam", "lion")]
    result = _result(runs)
    dashes = [OPTIMIZERS[name].dash for name, _ in runs]
    fig = result_figures.live_map_figure(result, surface_grid("ravine", DEFAULT_RESOLUTION, ()))
    assert [t.line.dash for t in _traces(fig, PATH_META)] == dashes
    assert [t.line.dash for t in _traces(result_figures.live_loss_figure(result), LOSS_META)] == dashes


def test_log_loss_axes_label_powers_of_ten_only():
    assert decade_ticks([np.array([1e-16, 1.0])]) == {"dtick": 3}
    assert decade_ticks([np.array([0.5, 50.0])]) == {"dtick": 1}
    assert decade_ticks([np.array([2.0, 9.0])]) == {}  # under a decade: Plotly's own ticks


def test_side_by_side_panels_keep_the_surfaces_true_aspect():
    result = _result([("gd", {}), ("adam", {})])
    fig = result_figures.multiples_figure(result, surface_grid("ravine", DEFAULT_RESOLUTION, ()), 80)
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis2.scaleanchor == "x2"


def test_each_live_control_is_named_by_its_optimizer_and_the_registrys_label():
    for name, spec in OPTIMIZERS.items():
        labels = [c.label for c in live_paths.controls(make_settings("ravine", [(name, {})], 10), shared=False)]
        second = [f"{spec.title} {words}" for hp, words in (("momentum", "momentum"), ("beta1", "β1"))
                  if hp in spec.defaults]
        assert labels == [f"{spec.title} learning rate", *second], name


def test_a_dragged_start_is_answered_with_the_runs_from_there_and_from_the_way_there():
    settings = make_settings("ravine", [("gd", {}), ("adam", {})], 50)
    answer = live_paths.drag_answer(settings, (1.0, 1.5), 7, ((0.0, 1.0), (0.5, 1.25)))
    assert answer["start_seq"] == 7 and [frame["start"] for frame in answer["trail"]] == [[0.0, 1.0], [0.5, 1.25]]
    for frame in [*answer["trail"], answer]:
        expected = run(replace(settings, start=tuple(frame["start"])))
        for k, path in enumerate(frame["paths"]):
            for axis, key in enumerate("xy"):
                drawn = np.frombuffer(base64.b64decode(path[key]["bdata"]), dtype="<f4")
                np.testing.assert_array_equal(drawn, expected.positions[k, :len(drawn), axis].astype(np.float32))
    assert answer["paths"][0]["hover"] is not None and answer["trail"][0]["paths"][0]["hover"] is None


def _plotly_js_major(bundle: Path) -> str:
    """The major release a plotly.js bundle names in its header comment (``plotly.js v4.1.1`` → ``4``)."""
    return re.search(r"plotly\.js .*?v(\d+)\.\d+\.\d+", bundle.read_text(encoding="utf-8")[:400]).group(1)


def test_the_components_plotly_bundle_reads_the_figures_the_plotly_package_builds():
    """The live chart's basic bundle and the ``plotly`` package's own plotly.js share a major release, whose
    figure schema plotly.py writes (``requirements.txt`` keeps ``plotly`` within that major release)."""
    shipped = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    assert _plotly_js_major(front_end.APP_STATIC / front_end.PLOTLY_FILE) == _plotly_js_major(shipped)


def test_the_live_charts_json_is_the_figures_own():
    """The live chart's JSON, written straight from its parts, parses to what plotly.py's Figure would send:
    typed arrays, the default template and every property, for a run that died, a schedule and a user's own
    surface (float64 values beyond float32's range included)."""
    scheduled = [make_run("adam", {}, "cosine", {"T_max": 80}), make_run("gd", {"lr": 0.0011})]
    results = [_result(), run(make_settings("rosenbrock", scheduled, 80), record_state=True),
               run(make_settings("expr:x**4 - 3*y", [("gd", {"lr": 0.5})], 30), record_state=True)]
    for result in results:
        grid = surface_grid(result.settings.surface, DEFAULT_RESOLUTION, result.settings.surface_params)
        for parts, figure in ((result_figures.live_map_parts(result, grid),
                               result_figures.live_map_figure(result, grid)),
                              (result_figures.live_loss_parts(result), result_figures.live_loss_figure(result))):
            assert json.loads(figure_json(*parts)) == json.loads(figure.to_json())
