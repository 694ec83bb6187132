"""Every playground figure straight from a :class:`~simulation.engine.Result` and its surface grid.

Thin adapters over the generic builders in :mod:`viz.figures` and :mod:`viz.animation`: they turn a result
into paths, markers, loss series and effective-step series, so the app and the exporter draw the same thing.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from landscapes.grid import SurfaceGrid
from simulation.diagnostics import effective_step_sizes
from simulation.engine import Result
from optimizers.schedules import lr_curve
from viz.animation import SidePanel, Series, animated_map_figure, side_panel_figure, small_multiples_figure
from viz.arrows import vectors_from_result
from viz.figures import END_META, SCATTER, contour_paths_parts, legend_rows, loss_axis, unvalidated_figure
from viz.loss_figures import LrCurve, loss_curves_figure, loss_curves_parts, merged
from viz.paths import PathTrace, paths_from_result, surface_markers
from viz.surface3d import surface_3d_figure

COORDINATE_DASH = {"x": "solid", "y": "dot"}


MAP_TITLE = "Where each optimizer went"


def map_figure(result: Result, grid: SurfaceGrid) -> go.Figure:
    return unvalidated_figure(*_map_parts(result, grid, MAP_TITLE))


def _map_parts(result: Result, grid: SurfaceGrid, title: str = "") -> tuple[list[dict], dict]:
    """The map's traces and layout (``contour_paths_parts``): the surface, every run's path and the markers."""
    spec = result.settings.surface_spec
    return contour_paths_parts(grid.xs, grid.ys, grid.zs, paths_from_result(result),
                               surface_markers(spec, result.settings.start), spec.log_color, title)


# The live view: the map beside the loss curves, no titles (the view picker names them), the legend above
# the loss curves (the map's colour bar needs its right side), margins just wide enough for the tick labels.
DIED_META = "died"  # trace.meta of the live map's cross where a run died
LIVE_MAP_MARGIN = dict(l=44, r=96, t=12, b=40)
LIVE_LOSS_MARGIN = dict(l=64, r=12, t=12, b=40)
LIVE_LEGEND_ROW_PX = 29
LIVE_LEGEND_WIDTH_PX = 260  # the loss chart beside the map at 1440 px
LOG_AXIS_PAD = 0.05  # of the range in decades, above and below the loss curves
LINEAR_AXIS_PAD = 0.05


def live_map_figure(result: Result, grid: SurfaceGrid) -> go.Figure:
    """The map for the live view (:func:`live_map_parts`)."""
    return unvalidated_figure(*live_map_parts(result, grid))


def live_map_parts(result: Result, grid: SurfaceGrid) -> tuple[list[dict], dict]:
    """The traces and layout of the map for the live view: compact, no legend (the loss chart beside it has it).

    The runs' ends are two traces with one point per run: dots (``END_META``) where runs ended, crosses
    (``DIED_META``) where they died, each run's point empty (``None``) in the trace it does not belong to. A
    dragged control moves a run's end from one to the other by swapping coordinates, which the browser
    animates without a full redraw (a changed marker symbol would need one); and two traces instead of two
    per run keep each animated frame cheap, as plotly.js re-reads every trace of the figure per frame.
    Adjusted as plain dicts: a new learning rate makes a new figure, on the server's time.
    """
    traces, layout = _map_parts(result, grid)
    del layout["title"]  # the view picker names the chart
    layout.update(margin=LIVE_MAP_MARGIN, showlegend=False)
    ends = [t for t in traces if t.get("meta") == END_META]
    traces = [t for t in traces if t.get("meta") != END_META]
    for meta, symbol, word in ((END_META, "circle", "end"), (DIED_META, "x", "died")):
        mine = [(t["marker"]["symbol"] == "x") == (meta == DIED_META) for t in ends]
        # a point left empty has the hover text of any option a dragged control may move there
        traces.append(dict(
            type=SCATTER, x=[t["x"][0] if on else None for t, on in zip(ends, mine)],
            y=[t["y"][0] if on else None for t, on in zip(ends, mine)],
            mode="markers", meta=meta, showlegend=False,
            marker=dict(ends[0]["marker"], symbol=symbol, color=[t["marker"]["color"] for t in ends]),
            hovertemplate=[t["hovertemplate"] if on else f"{t['legendgroup']}: {word}<extra></extra>"
                           for t, on in zip(ends, mine)]))
    return traces, layout


def loss_range(paths: list[PathTrace], series: list[np.ndarray], log_y: bool) -> list[float] | None:
    """The loss axis range over the finite values of the runs that did not die (all runs when every one did).

    A run that blew up would otherwise stretch the axis over hundreds of decades and flatten every other
    curve; it is drawn up to where it died all the same (off the top of the chart).
    """
    kept = [values for path, values in zip(paths, series) if not path.died] or list(series)
    finite = np.concatenate([v[np.isfinite(v) & ((v > 0) if log_y else True)] for v in kept])
    if not finite.size:
        return None
    low, high = float(finite.min()), float(finite.max())
    if log_y:
        low, high = np.log10(low), np.log10(high)
        pad = max(high - low, 1.0) * LOG_AXIS_PAD
    else:
        pad = max(high - low, abs(high), 1e-12) * LINEAR_AXIS_PAD
    return [low - pad, high + pad]


def live_loss_figure(result: Result) -> go.Figure:
    """Loss per step for the live view (:func:`live_loss_parts`)."""
    return unvalidated_figure(*live_loss_parts(result))


def live_loss_parts(result: Result) -> tuple[list[dict], dict]:
    """The traces and layout of the loss per step for the live view: the legend above, both axes fixed, so
    paths can be swapped in."""
    paths = paths_from_result(result)
    traces, layout = loss_curves_parts(paths, result.settings.surface_spec.min_value, show_legend=True,
                                       lr_curves=lr_curves(result))
    series, log_y, _ = loss_axis(paths, result.settings.surface_spec.min_value)
    rows = legend_rows([p.label for p in paths], LIVE_LEGEND_WIDTH_PX)
    del layout["title"]
    changes = dict(margin=dict(LIVE_LOSS_MARGIN, t=LIVE_LOSS_MARGIN["t"] + rows * LIVE_LEGEND_ROW_PX),
                   legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
                   xaxis=dict(range=[0, result.settings.steps], autorange=False))
    y_range = loss_range(paths, series, log_y)
    if y_range is not None:
        changes["yaxis"] = dict(range=y_range, autorange=False)
    return traces, merged(layout, changes)


def lr_curves(result: Result) -> list[LrCurve] | None:
    """Each run's learning rate per update, or None when every run keeps a constant rate (nothing to draw)."""
    runs = result.settings.runs
    if all(run.schedule == "constant" for run in runs):
        return None
    return [LrCurve(lr_curve(run.schedule, run.schedule_params, run.values["lr"], result.settings.steps),
                    run.values["lr"]) for run in runs]


def loss_figure(result: Result, show_legend: bool = True) -> go.Figure:
    """Loss per step, with the learning-rate schedules drawn under it when any run has one."""
    return loss_curves_figure(paths_from_result(result), result.settings.surface_spec.min_value,
                              show_legend=show_legend, lr_curves=lr_curves(result))


def surface_figure(result: Result, grid: SurfaceGrid, step: int | None = None) -> go.Figure:
    """The 3D surface with the paths drawn up to ``step`` (None: to their ends)."""
    spec = result.settings.surface_spec
    return surface_3d_figure(grid.xs, grid.ys, grid.zs, paths_from_result(result),
                             surface_markers(spec, result.settings.start), spec.log_color, MAP_TITLE, step)


def loss_panel(result: Result) -> SidePanel:
    """Every run's loss per step (up to where it died), on an axis spanning the runs that did not die."""
    paths = paths_from_result(result)
    series, log_y, y_title = loss_axis(paths, result.settings.surface_spec.min_value)
    drawn = [values[:path.n_points] for path, values in zip(paths, series)]
    return SidePanel(y_title, tuple(Series(p.label, p.color, np.arange(len(v)), v, p.dash)
                                    for p, v in zip(paths, drawn)), log_y, loss_range(paths, drawn, log_y))


def loss_side_figure(result: Result, step: int = 0) -> go.Figure:
    """The loss curves with a cursor at ``step``, to stand beside the 3D surface."""
    return side_panel_figure(loss_panel(result), step)


def effective_step_panel(result: Result) -> SidePanel | None:
    """lr/(√v + eps)-style step per coordinate for each adaptive run (x solid, y dotted); None if none."""
    series = []
    for k, path in enumerate(paths_from_result(result)):
        steps = effective_step_sizes(result, k)
        if steps is None:
            continue
        n = min(len(steps), path.n_points - 1)
        for axis, column in (("x", 0), ("y", 1)):
            series.append(Series(f"{path.label} · {axis}", path.color, np.arange(1, n + 1),
                                 steps[:n, column], COORDINATE_DASH[axis]))
    return SidePanel("effective step size (x solid, y dotted)", tuple(series)) if series else None


def animation_figure(result: Result, grid: SurfaceGrid, step: int = 0) -> go.Figure:
    """The map with every path drawn up to ``step``, beside the loss curves with a cursor there."""
    spec = result.settings.surface_spec
    return animated_map_figure(grid.xs, grid.ys, grid.zs, paths_from_result(result), loss_panel(result),
                               surface_markers(spec, result.settings.start), log_color=spec.log_color, step=step)


def inside_figure(result: Result, grid: SurfaceGrid, step: int = 0) -> go.Figure:
    """Arrows at ``step`` on the map, beside the effective step sizes (or the loss)."""
    spec = result.settings.surface_spec
    side = effective_step_panel(result) or loss_panel(result)
    return animated_map_figure(grid.xs, grid.ys, grid.zs, paths_from_result(result), side,
                               surface_markers(spec, result.settings.start), vectors_from_result(result),
                               spec.log_color, step=step)


def multiples_figure(result: Result, grid: SurfaceGrid, step: int = 0) -> go.Figure:
    """One panel per run, each drawn up to ``step``."""
    spec = result.settings.surface_spec
    return small_multiples_figure(grid.xs, grid.ys, grid.zs, paths_from_result(result),
                                  surface_markers(spec, result.settings.start), spec.log_color, step=step)
