"""Figure builders: the generic contour/loss API, figures at a step (animation, small multiples, arrows, 3D), grids."""
from __future__ import annotations

import base64
import io

import numpy as np
import pytest
import plotly.graph_objects as go
from PIL import Image

from landscapes.grid import surface_grid
from landscapes.registry import SURFACES, get_surface
from simulation.engine import run
from optimizers.schedules import lr_curve
from simulation.settings import make_run, make_settings
from viz import result_figures
from viz.animation import CURSOR_META
from viz.arrows import GRADIENT_ARROW_FRACTION, StepVectors, map_diagonal, step_arrow_traces
from viz.background import UNDEFINED_RGB, banded_image
from viz.figures import (END_META, LEGEND_OFFSET, LOSS_GAP_FLOOR, LR_META, PATH_META, color_scale, compact,
                         contour_paths_figure, legend_below, legend_margin, legend_rows, loss_axis, plotted_losses)
from viz.loss_figures import loss_curves_figure
from viz.paths import DRAW_LIMIT, Marker, PathTrace, thinned_indices
from viz.surface3d import HEAD_META, TRAIL_META, path_heights, surface_3d_figure
from viz.training import binned


def _result(surface="ravine", optimizers=("gd", "momentum", "adam"), steps=120, lr=None):
    hyperparameters = {} if lr is None else {"lr": lr}
    return run(make_settings(surface, [(o, hyperparameters) for o in optimizers], steps), record_state=True)


def _paths_of(fig):
    return [t for t in fig.data if t.meta == PATH_META]


def test_thinning_keeps_both_ends_and_an_odd_stride():
    assert list(thinned_indices(5, 10)) == [0, 1, 2, 3, 4]
    idx = thinned_indices(1001, 100)
    assert idx[0] == 0 and idx[-1] == 1000 and len(idx) <= 102
    stride = idx[1] - idx[0]
    assert stride % 2 == 1, "an even stride would hide a step-by-step zig-zag"


def test_the_generic_contour_builder_needs_no_surface():
    xs, ys = np.linspace(-1, 1, 30), np.linspace(-2, 2, 40)
    zs = xs[None, :] ** 2 + ys[:, None] ** 2
    path = PathTrace("walk", "#123456", np.column_stack([np.linspace(-1, 0, 20), np.linspace(2, 0, 20)]),
                     np.linspace(5, 0, 20))
    fig = contour_paths_figure(xs, ys, zs, [path], markers=[Marker("centre", 0, 0)], title="plane")
    assert len(fig.layout.images) == 1 and fig.data[0].marker.showscale  # the map picture and its colour bar
    assert [t.name for t in _paths_of(fig)] == ["walk"]
    assert "centre" in [t.name for t in fig.data]
    assert fig.layout.title.text == "plane"
    assert fig.layout.yaxis.scaleanchor == "x"


def test_log_colour_spans_decades_and_labels_ticks_in_loss_units():
    grid = surface_grid("rosenbrock")
    scale = color_scale(grid.zs, log_color=True)
    assert np.isfinite(scale.values).all() and scale.values.min() == 0.0
    assert list(scale.tickvals) == sorted(scale.tickvals)
    assert float(scale.ticktext[0]) == pytest.approx(grid.zs.min(), abs=1e-2)
    np.testing.assert_allclose(scale.transform(grid.zs), scale.values)


def test_log_colour_works_for_surfaces_unbounded_below():
    scale = color_scale(surface_grid("monkey_saddle").zs, log_color=True)
    assert np.isfinite(scale.values).all() and scale.values.min() >= 0.0


def test_loss_curves_plot_the_gap_to_a_negative_minimum_on_a_log_axis():
    result = _result("styblinski_tang", ("gd", "adam"))
    spec = get_surface("styblinski_tang")
    series, log_y, title = loss_axis(result_figures.paths_from_result(result), spec.min_value)
    assert log_y and all((s > 0).all() for s in series) and "minimum" in title
    assert result_figures.loss_figure(result).layout.yaxis.type == "log"


def test_loss_curves_go_linear_when_the_surface_falls_forever():
    result = _result("saddle", ("adam",), steps=150, lr=0.05)
    assert result.losses[0, -1] < 0
    fig = loss_curves_figure(result_figures.paths_from_result(result), min_value=None)
    assert fig.layout.yaxis.type == "linear"


def test_a_loss_that_blew_up_does_not_decide_the_axis():
    """The figures and the live chart's families (``ui.family_route``) plot losses by this one rule."""
    assert plotted_losses([np.array([3.0, 1.0, np.inf, np.nan])], None)[1] is True
    assert plotted_losses([np.array([3.0, 1.0]), np.array([2.0, -0.5, np.nan])], None)[1] is False
    (gap,), log_y = plotted_losses([np.array([-3.0, -5.0])], -5.0)
    assert log_y and list(gap) == [2.0, LOSS_GAP_FLOOR]


def test_long_paths_are_drawn_as_lines_and_short_ones_with_a_dot_per_step():
    short, long = _result(steps=50), _result(steps=1000)
    grid = surface_grid("ravine")
    assert {t.mode for t in _paths_of(result_figures.map_figure(short, grid))} == {"lines+markers"}
    assert {t.mode for t in _paths_of(result_figures.map_figure(long, grid))} == {"lines"}


def _meta(fig, meta):
    return [t for t in fig.data if t.meta == meta]


def test_the_animation_at_a_step_draws_each_path_up_to_it_and_the_loss_cursor_on_it():
    result = _result(steps=300)
    fig = result_figures.animation_figure(result, surface_grid("ravine"), step=37)
    assert not fig.frames, "the browser moves the step: no Plotly frames"
    for k, (trail, head) in enumerate(zip(_meta(fig, TRAIL_META), _meta(fig, HEAD_META))):
        assert len(trail.x) == 38  # the positions after 0…37 updates
        np.testing.assert_array_equal(np.column_stack([trail.x, trail.y]), result.positions[k, :38].astype(np.float32))
        assert (head.x[0], head.y[0]) == tuple(result.positions[k, 37])
    (cursor,) = _meta(fig, CURSOR_META)
    assert list(cursor.x) == [37] * 3
    assert cursor.y[0] == pytest.approx(result.losses[0, 37] - get_surface("ravine").min_value)
    # the map is a picture: plotly.js drops contour traces while paths are swapped in
    assert len(fig.layout.images) == 1 and all(t.type != "contour" for t in fig.data)


def test_a_run_that_died_is_drawn_up_to_where_it_died_with_a_cross():
    result = run(make_settings("ravine", [("gd", {"lr": 0.5}), ("adam", {})], 100))  # gd blows up at once
    gd, _adam = result_figures.paths_from_result(result)
    assert gd.died and gd.n_points < 10
    fig = result_figures.animation_figure(result, surface_grid("ravine"), step=100)
    gd_trail = _meta(fig, TRAIL_META)[0]
    assert len(gd_trail.x) == gd.n_points and np.isfinite(gd_trail.x).all()
    assert [t.marker.symbol for t in _meta(fig, END_META)] == ["x", "circle"]


def test_small_multiples_draw_one_panel_per_optimizer_on_shared_axes():
    result = _result(optimizers=("gd", "momentum", "adam", "rmsprop"))
    fig = result_figures.multiples_figure(result, surface_grid("ravine"), step=80)
    assert len(fig.layout.images) == 4
    assert [a.text for a in fig.layout.annotations] == [run.label for run in result.settings.runs]
    assert len(_meta(fig, TRAIL_META)) == len(_meta(fig, HEAD_META)) == 4  # one path up to the step per panel
    assert [t.xaxis for t in _meta(fig, TRAIL_META)] == ["x", "x2", "x3", "x4"]


def test_inside_view_shows_effective_steps_of_adaptive_runs_only():
    result = _result(optimizers=("gd", "adam", "rmsprop"))
    panel = result_figures.effective_step_panel(result)
    assert sorted({s.label.split(" (")[0] for s in panel.series}) == ["adam", "rmsprop"]
    assert len(panel.series) == 4  # x and y per adaptive run
    assert result_figures.effective_step_panel(_result(optimizers=("gd", "nag"))) is None


def test_arrows_show_the_update_to_scale_and_the_gradient_at_a_fixed_length():
    xs, ys = np.linspace(-1, 1, 10), np.linspace(-1, 1, 10)
    path = PathTrace("p", "#000000", np.array([[0.0, 0.0], [0.1, -0.2]]), np.array([1.0, 0.5]))
    vectors = StepVectors(gradients=np.array([[30.0, 40.0]]), updates=np.array([[0.1, -0.2]]))
    gradient, update = step_arrow_traces(path, vectors, 0, map_diagonal(xs, ys))
    assert np.hypot(gradient.x[1] - gradient.x[0], gradient.y[1] - gradient.y[0]) == pytest.approx(
        GRADIENT_ARROW_FRACTION * map_diagonal(xs, ys))
    assert (gradient.x[1], gradient.y[1]) == pytest.approx((-0.6 * 0.12 * np.hypot(2, 2), -0.8 * 0.12 * np.hypot(2, 2)))
    assert (update.x[1], update.y[1]) == pytest.approx((0.1, -0.2))
    assert step_arrow_traces(path, vectors, 1, 1.0)[0].x == ()  # the last point has no next update


def test_the_3d_view_lifts_paths_onto_the_surface_and_grows_them_to_the_step():
    result = _result()
    grid = surface_grid("ravine")
    paths = result_figures.paths_from_result(result)
    fig = surface_3d_figure(grid.xs, grid.ys, grid.zs, paths, step=5)
    assert fig.data[0].type == "surface"
    path = _paths_of(fig)[0]
    assert path.z[0] >= result.losses[0, 0]  # drawn on (slightly above) the surface
    heights = path_heights(grid.zs, paths, log_color=False)
    trail = _meta(fig, TRAIL_META)[0]
    assert len(trail.x) == 6
    np.testing.assert_array_equal(trail.z, heights[0][:6].astype(np.float32))  # what the player indexes into
    assert len(_meta(surface_3d_figure(grid.xs, grid.ys, grid.zs, paths), TRAIL_META)[0].x) == len(path.x)


def test_inside_the_optimizer_shows_the_arrows_of_the_chosen_step():
    result = _result(optimizers=("momentum",))
    grid = surface_grid("ravine")
    for step in (1, 2, 3):
        fig = result_figures.inside_figure(result, grid, step)
        update = next(t for t in fig.data if t.name == "update (to scale)")
        assert (update.x[0], update.y[0]) == tuple(result.positions[0, step])
        assert (update.x[1] - update.x[0], update.y[1] - update.y[0]) == pytest.approx(tuple(result.updates[0, step]))


def test_the_background_picture_is_a_banded_png():
    picture = banded_image(np.outer(np.arange(20.0), np.ones(20)), "Viridis", 10, pixels=64)
    assert picture.size == (64, 64)
    assert len(np.unique(np.asarray(picture).reshape(-1, 3), axis=0)) > 10  # ten bands and lightened edges
    fig = result_figures.animation_figure(_result(), surface_grid("ravine"))
    source = fig.layout.images[0].source
    Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))).verify()


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_the_jitted_grid_matches_the_surface(surface):
    spec = get_surface(surface)
    grid = surface_grid(surface, resolution=7)
    for i, j in [(0, 0), (3, 5), (6, 6)]:
        assert grid.zs[i, j] == pytest.approx(spec.value(grid.xs[j], grid.ys[i]), rel=1e-12)


def test_loss_curves_have_no_schedule_panel_while_every_rate_is_constant():
    fig = result_figures.loss_figure(_result())
    assert not [t for t in fig.data if t.meta == LR_META]
    assert "yaxis2" not in fig.layout.to_plotly_json()


def test_schedules_are_drawn_under_the_loss_curves_as_fractions_of_each_base_rate():
    runs = [make_run("gd", {"lr": 0.05}, "cosine", {"T_max": 100}), make_run("adam", {"lr": 0.1})]
    result = run(make_settings("ravine", runs, 100), record_state=True)
    fig = result_figures.loss_figure(result)
    gd, adam = [t for t in fig.data if t.meta == LR_META]
    assert (gd.xaxis, gd.yaxis) == ("x2", "y2") and fig.layout.xaxis.matches == "x2"  # one step axis
    assert gd.x[0] == 1 and gd.x[-1] == 100  # updates 1…steps, as lr_curve gives them
    expected = lr_curve("cosine", runs[0].schedule_params, 0.05, 100)
    np.testing.assert_allclose(gd.customdata, expected[thinned_indices(100)], rtol=1e-6)
    np.testing.assert_allclose(gd.y, expected[thinned_indices(100)] / 0.05, rtol=1e-6)
    assert gd.y[0] == 1.0 and gd.y[-1] < 1e-3  # annealed from the base rate towards eta_min = 0
    np.testing.assert_array_equal(adam.y, 1.0)  # a constant rate is a flat line at its base rate
    assert gd.line.color == _paths_of(result_figures.map_figure(result, surface_grid("ravine")))[0].line.color


def test_your_own_function_runs_through_every_figure():
    result = _result("expr:sin(x)*cos(y) + 0.1*(x**2 + y**2)", steps=60)
    grid = surface_grid(result.settings.surface)
    assert len(_paths_of(result_figures.map_figure(result, grid))) == 3
    assert "minimum" not in result_figures.loss_figure(result).layout.yaxis.title.text  # none is known
    assert result_figures.surface_figure(result, grid).data[0].type == "surface"
    for build in (result_figures.animation_figure, result_figures.inside_figure, result_figures.multiples_figure):
        assert len(_meta(build(result, grid, 30), TRAIL_META)) == 3


def _schedule_result():
    runs = [make_run("gd", {"lr": 0.05}, "cosine"), make_run("adam")]
    return run(make_settings("rosenbrock", runs, 80), record_state=True)


@pytest.mark.parametrize("build", [
    lambda result, grid: result_figures.map_figure(result, grid),
    lambda result, grid: result_figures.loss_figure(result),
    lambda result, grid: result_figures.loss_figure(_schedule_result()),
    lambda result, grid: result_figures.surface_figure(result, grid, 10),
    lambda result, grid: result_figures.loss_side_figure(result, 10),
    lambda result, grid: result_figures.animation_figure(result, grid, 10),
    lambda result, grid: result_figures.inside_figure(result, grid, 10),
    lambda result, grid: result_figures.multiples_figure(result, grid, 10),
], ids=["map", "loss", "loss-with-schedules", "3d", "3d-loss", "animation", "inside", "multiples"])
def test_every_figure_passes_plotly_validation(build):
    """The hot builders skip plotly.py's validation at run time (``unvalidated_figure``): here every property
    of every figure must pass it."""
    figure = build(_result(steps=40), surface_grid("ravine"))
    go.Figure(figure.to_dict())  # raises ValueError on any invalid property or value


def test_path_hover_reports_update_counts_when_rows_are_snapshots():
    xs, ys = np.linspace(-1, 1, 20), np.linspace(-1, 1, 20)
    zs = xs[None, :] ** 2 + ys[:, None] ** 2
    xy = np.column_stack([np.linspace(-1, 0, 4), np.linspace(1, 0, 4)])
    snapshots = PathTrace("run", "#123456", xy, np.linspace(3, 0, 4), steps=np.array([0, 938, 1876, 2814]))
    every_step = PathTrace("run", "#123456", xy, np.linspace(3, 0, 4))
    for path, expected in ((snapshots, [0, 938, 1876, 2814]), (every_step, [0, 1, 2, 3])):
        (trace,) = _paths_of(contour_paths_figure(xs, ys, zs, [path]))
        assert list(np.asarray(trace.customdata)[:, 0]) == expected


def test_training_loss_bins_only_finished_steps_with_the_full_runs_bin_width():
    losses = np.array([1.0, 3.0, 5.0, 7.0, 9.0, np.nan, np.nan, np.nan, np.nan, np.nan])
    centres, means = binned(losses, bins=5)  # 10 steps in 5 bins: width 2, of which 5 steps are done
    np.testing.assert_allclose(centres, [0.5, 2.5, 4.0])  # the last bin holds one step so far
    np.testing.assert_allclose(means, [2.0, 6.0, 9.0])


def test_a_diverging_path_is_pulled_in_to_the_draw_limit_along_its_last_step():
    xy = np.array([[1.0, 2.0], [3.0, 1.0], [3e20, 1e19], [-1e40, 5e30], [np.nan, np.nan]])
    drawn = PathTrace("gd", "#000000", xy).xy
    np.testing.assert_array_equal(drawn[:2], xy[:2])
    exit_point = drawn[2]
    assert np.abs(exit_point).max() == pytest.approx(DRAW_LIMIT)
    step, drawn_step = xy[2] - xy[1], exit_point - xy[1]
    assert drawn_step[0] * step[1] == pytest.approx(drawn_step[1] * step[0])  # same direction as the real step
    assert np.abs(drawn[3]).max() == DRAW_LIMIT and np.isnan(drawn[4]).all()


def test_values_beyond_float32_are_sent_as_float64_instead_of_clipped():
    assert compact([1.0, 2.0]).dtype == np.float32
    huge = compact([1.0, 1e200, np.nan])
    assert huge.dtype == np.float64 and huge[1] == 1e200


def test_where_the_function_is_undefined_the_map_is_grey_not_the_top_colour():
    zs = np.add.outer(np.linspace(-1.0, 1.0, 40), np.linspace(-1.0, 1.0, 40))
    zs[:, :16] = np.nan  # like log(x) left of x = 0
    picture = np.asarray(banded_image(zs, "Viridis", 10, 80))
    assert tuple(picture[40, 5]) == UNDEFINED_RGB
    assert tuple(picture[40, 75]) != UNDEFINED_RGB


def test_legend_rows_pack_labels_into_the_width_and_the_legend_sits_below_the_axis_title():
    assert legend_rows([]) == 0
    assert legend_rows(["gd", "adam"]) == 1
    assert legend_rows(["x" * 40, "y" * 40], width=360) == 2  # each takes 46 + 264 px: one per row
    margin = legend_margin(dict(l=0, r=0, t=50, b=80), ["x" * 40, "y" * 40], row_height=26, width=360)
    assert margin["b"] == 80 + 2 * 26
    legend = legend_below(500, margin)
    assert legend["y"] * (500 - 50 - margin["b"]) == pytest.approx(-LEGEND_OFFSET)
