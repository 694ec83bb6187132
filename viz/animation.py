"""The step-by-step views at one step: paths grown up to it, a head on it, a cursor on each per-step series.

    animated_map_figure(xs, ys, zs, paths, side=None, markers=(), vectors=None, ..., step=0) -> go.Figure
        the map with paths drawn up to ``step`` (and optional gradient/update/velocity arrows there) beside a
        side panel of per-step series (loss curves, effective step sizes) with a cursor at ``step``;
    small_multiples_figure(xs, ys, zs, paths, markers=(), ..., step=0) -> go.Figure
        one panel per path on identical axes, each drawn up to ``step``;
    side_panel_figure(side, step=0) -> go.Figure
        the side panel on its own (beside the 3D surface).

The traces that change with the step carry ``trace.meta`` ``TRAIL_META`` (a path up to the step, one per path in
path order), ``HEAD_META`` (the point at the step) and ``CURSOR_META`` (one marker per side-panel series): a
player in the browser moves to any step by swapping only their data. Each path is drawn faintly in full behind,
with its end marked (a cross where the run died). The map is a layout image (:mod:`viz.background`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from viz.arrows import StepVectors, map_diagonal, step_arrow_traces
from viz.background import background_image
from viz.figures import (COLORSCALE, FIGURE_HEIGHT, N_CONTOURS, PATH_LINE_WIDTH, color_scale, compact,
                         end_marker_trace, marker_traces, path_trace)
from viz.loss_figures import decade_ticks
from viz.paths import Marker, PathTrace, thinned_indices
from viz.surface3d import HEAD_META, TRAIL_META

CURSOR_META = "cursor"  # trace.meta of the side panel's markers at the current step
HEAD_SIZE = 12
FAINT_OPACITY = 0.3  # the full path stays visible behind the one drawn up to the step
MULTIPLES_COLUMNS = 3
MULTIPLES_PANEL_HEIGHT = 330  # the tallest panel (a square surface)
MULTIPLES_PANEL_WIDTH = 330  # about what each of three panels gets across the main column at 1440 px
MIN_PANEL_HEIGHT = 150
SIDE_PANEL_HEIGHT = FIGURE_HEIGHT + 100  # beside the 3D surface, as tall as it
# Starting margins sized for the title and legend above and the axis labels (see viz.figures.MAP_MARGIN:
# starting at the final size saves Plotly two or three full redraws).
ANIMATION_MARGIN = dict(l=36, r=24, t=90, b=70)
MULTIPLES_MARGIN = dict(l=36, r=14, t=40, b=30)
SIDE_MARGIN = dict(l=64, r=12, t=50, b=50)


@dataclass(frozen=True, eq=False)
class Series:
    """One line of the side panel: ``values[i]`` at step ``steps[i]``."""

    label: str
    color: str
    steps: np.ndarray
    values: np.ndarray
    dash: str = "solid"

    def at(self, step: int) -> float:
        """The value at ``step`` (NaN where the series has no data, e.g. after a divergence)."""
        i = int(np.searchsorted(self.steps, step))
        return float(self.values[i]) if i < len(self.steps) and self.steps[i] == step else math.nan


@dataclass(frozen=True)
class SidePanel:
    title: str
    series: tuple[Series, ...]
    log_y: bool = True
    y_range: list[float] | None = None  # in axis units (decades on a log axis); None: Plotly's own range


def trail_trace(path: PathTrace, step: int, **axes) -> go.Scatter:
    """The path up to ``step`` (thinned, keeping its last point), without hover data."""
    idx = thinned_indices(min(step + 1, path.n_points))
    return go.Scatter(x=compact(path.xy[idx, 0]), y=compact(path.xy[idx, 1]), mode="lines", meta=TRAIL_META,
                      line=dict(color=path.color, width=PATH_LINE_WIDTH + 0.8, dash=path.dash), hoverinfo="skip",
                      showlegend=False, legendgroup=path.label, **axes)


def head_trace(path: PathTrace, step: int, **axes) -> go.Scatter:
    last = min(step, max(path.n_points - 1, 0))
    x, y = path.xy[last]
    return go.Scatter(x=[x], y=[y], mode="markers", showlegend=False, legendgroup=path.label, meta=HEAD_META,
                      marker=dict(size=HEAD_SIZE, color=path.color, line=dict(color="#FFFFFF", width=2)),
                      hovertemplate=f"{path.label}<extra></extra>", **axes)


def cursor_trace(side: SidePanel, step: int, **axes) -> go.Scatter:
    return go.Scatter(
        x=[step] * len(side.series), y=[item.at(step) for item in side.series], mode="markers", meta=CURSOR_META,
        marker=dict(size=9, color=[item.color for item in side.series], line=dict(color="#222", width=1)),
        showlegend=False, hoverinfo="skip", **axes)


def side_traces(side: SidePanel, **axes) -> list[go.Scatter]:
    return [go.Scatter(x=item.steps[idx].astype(np.int32), y=compact(item.values[idx]), mode="lines",
                       name=item.label, line=dict(color=item.color, width=PATH_LINE_WIDTH, dash=item.dash),
                       showlegend=False, hovertemplate=f"{item.label}<br>step %{{x}}: %{{y:.3g}}<extra></extra>",
                       **axes)
            for item in side.series for idx in [thinned_indices(len(item.values))]]


def _side_axis(side: SidePanel) -> dict:
    """A log axis labelled at powers of ten only, or a linear one; fixed to ``side.y_range`` when given."""
    fixed = dict(range=side.y_range, autorange=False) if side.y_range is not None else {}
    shown = [10.0 ** np.array(side.y_range)] if side.y_range is not None else [item.values for item in side.series]
    ticks = decade_ticks(shown) if side.log_y else {}
    return dict(type="log" if side.log_y else "linear", exponentformat="power", title_text=side.title,
                **fixed, **ticks)


def _faint_path(path: PathTrace, show_legend: bool = True, **axes) -> list:
    faint = path_trace(path, show_legend=show_legend, **axes)
    faint.update(opacity=FAINT_OPACITY, mode="lines")
    return [faint, end_marker_trace(path, **axes)]


def _map_axes(fig: go.Figure, xs: np.ndarray, ys: np.ndarray, **where) -> None:
    fig.update_xaxes(range=[float(xs[0]), float(xs[-1])], showgrid=False, zeroline=False, constrain="domain", **where)
    fig.update_yaxes(range=[float(ys[0]), float(ys[-1])], showgrid=False, zeroline=False, constrain="domain", **where)


def animated_map_figure(xs: np.ndarray, ys: np.ndarray, zs: np.ndarray, paths: Sequence[PathTrace],
                        side: SidePanel | None = None, markers: Sequence[Marker] = (),
                        vectors: Sequence[StepVectors] | None = None, log_color: bool = False,
                        title: str = "", step: int = 0) -> go.Figure:
    """Map with paths up to ``step`` (and arrows there when ``vectors`` are given) beside an optional side panel."""
    columns = 2 if side is not None else 1
    fig = make_subplots(rows=1, cols=columns, column_widths=[0.58, 0.42][:columns], horizontal_spacing=0.1)
    map_axes, side_axes = dict(xaxis="x", yaxis="y"), dict(xaxis="x2", yaxis="y2")
    fig.add_layout_image(background_image(xs, ys, color_scale(zs, log_color).values, COLORSCALE, N_CONTOURS))
    for path in paths:
        fig.add_traces(_faint_path(path, **map_axes))
    fig.add_traces(marker_traces(markers, **map_axes))
    if side is not None:
        fig.add_traces(side_traces(side, **side_axes))
        fig.update_yaxes(**_side_axis(side), row=1, col=2)
        fig.update_xaxes(title_text="step", row=1, col=2)
    fig.add_traces([trace_ for path in paths for trace_ in (trail_trace(path, step, **map_axes),
                                                            head_trace(path, step, **map_axes))])
    if vectors is not None:
        diagonal = map_diagonal(xs, ys)
        for path, vector in zip(paths, vectors):
            fig.add_traces(step_arrow_traces(path, vector, step, diagonal, **map_axes))
    if side is not None:
        fig.add_trace(cursor_trace(side, step, **side_axes))
    _map_axes(fig, xs, ys, row=1, col=1)
    fig.update_yaxes(scaleanchor="x", scaleratio=1, row=1, col=1)
    fig.update_layout(title=dict(text=title, x=0.01), height=FIGURE_HEIGHT, margin=ANIMATION_MARGIN,
                      hovermode="closest", uirevision="map",
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig


def small_multiples_figure(xs: np.ndarray, ys: np.ndarray, zs: np.ndarray, paths: Sequence[PathTrace],
                           markers: Sequence[Marker] = (), log_color: bool = False, title: str = "",
                           step: int = 0) -> go.Figure:
    """One panel per path on identical axes, each drawn up to ``step``."""
    columns = min(MULTIPLES_COLUMNS, len(paths))
    rows = -(-len(paths) // columns)
    fig = make_subplots(rows=rows, cols=columns, shared_xaxes="all", shared_yaxes="all",
                        subplot_titles=[p.label for p in paths], horizontal_spacing=0.03, vertical_spacing=0.08)
    scale = color_scale(zs, log_color)
    panel_axes = []
    for k, path in enumerate(paths):
        suffix = "" if k == 0 else str(k + 1)
        axes = dict(xaxis=f"x{suffix}", yaxis=f"y{suffix}")
        panel_axes.append(axes)
        fig.add_layout_image(background_image(xs, ys, scale.values, COLORSCALE, N_CONTOURS,
                                              xref=axes["xaxis"], yref=axes["yaxis"]))
        fig.add_traces(_faint_path(path, show_legend=False, **axes))
        fig.add_traces(marker_traces(markers, show_legend=False, **axes))
    fig.add_traces([trace_ for path, axes in zip(paths, panel_axes)
                    for trace_ in (trail_trace(path, step, **axes), head_trace(path, step, **axes))])
    _map_axes(fig, xs, ys)
    for axes in panel_axes:  # one unit as long across as up: the surface's true shape in every panel
        fig.layout[axes["yaxis"].replace("y", "yaxis")].update(scaleanchor=axes["xaxis"], scaleratio=1)
    aspect = float(ys[-1] - ys[0]) / float(xs[-1] - xs[0])
    panel_height = min(max(MULTIPLES_PANEL_WIDTH * aspect, MIN_PANEL_HEIGHT), MULTIPLES_PANEL_HEIGHT)
    fig.update_layout(title=dict(text=title, x=0.01), height=round(panel_height * rows) + 80,
                      margin=MULTIPLES_MARGIN, hovermode="closest", showlegend=False, uirevision="multiples")
    return fig


def side_panel_figure(side: SidePanel, step: int = 0) -> go.Figure:
    """The side panel's series with a cursor at ``step``, as a figure of its own."""
    fig = go.Figure([*side_traces(side), cursor_trace(side, step)])
    fig.update_layout(height=SIDE_PANEL_HEIGHT, margin=SIDE_MARGIN, hovermode="closest", showlegend=False,
                      yaxis=_side_axis(side), xaxis=dict(title_text="step"), uirevision="side")
    return fig
