"""Animated figures: Plotly frames with play/pause and a step scrubber that move every path at once.

Two builders share the frame machinery:

    animated_map_figure(xs, ys, zs, paths, side, markers=(), vectors=None, ...) -> go.Figure
        the map with growing paths (and optional gradient/update/velocity arrows) beside a side panel of
        per-step series (loss curves, effective step sizes) whose cursor follows the scrubber;
    small_multiples_figure(xs, ys, zs, paths, markers=(), ...) -> go.Figure
        one panel per path on identical axes, all driven by one scrubber.

Each frame lists only the moving traces and only their x/y data (Plotly merges it into the styled trace),
so the map and all styling are sent once per figure. The map is a layout image (:mod:`viz.background`),
because plotly.js removes contour traces from the plot while frames play.
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
                         marker_traces, path_trace)
from viz.paths import Marker, PathTrace, thinned_indices

MAX_FRAMES = 60  # smooth enough to follow, small enough to send: frames repeat every moving trace
TRAIL_POINTS = 80  # points per growing path in each frame
DEFAULT_FRAME_MS = 80
HEAD_SIZE = 12
FAINT_OPACITY = 0.3  # the full path stays visible behind the animated one
MULTIPLES_COLUMNS = 3
MULTIPLES_PANEL_HEIGHT = 330  # the tallest panel (a square surface)
MULTIPLES_PANEL_WIDTH = 330  # about what each of three panels gets across the main column at 1440 px
MIN_PANEL_HEIGHT = 150
CURRENT_STEP_COLOR = "#444444"
# Starting margins sized for the title and legend above, the play controls and step slider below and the
# axis labels (see viz.figures.MAP_MARGIN: starting at the final size saves Plotly two or three full redraws).
ANIMATION_MARGIN = dict(l=36, r=24, t=90, b=116)
MULTIPLES_MARGIN = dict(l=36, r=14, t=90, b=112)


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


def frame_steps(n_points: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """Point indices shown as frames: every step for short runs, evenly spread for long ones."""
    return np.unique(np.linspace(0, n_points - 1, min(n_points, max_frames)).round().astype(int))


def trail_trace(path: PathTrace, s: int, **axes) -> go.Scatter:
    """The path up to point ``s`` (thinned, odd stride so zig-zags survive), without hover data."""
    n = min(s + 1, path.n_points)
    idx = thinned_indices(n, TRAIL_POINTS)
    return go.Scatter(x=compact(path.xy[idx, 0]), y=compact(path.xy[idx, 1]), mode="lines",
                      line=dict(color=path.color, width=PATH_LINE_WIDTH + 0.8), hoverinfo="skip",
                      showlegend=False, legendgroup=path.label, **axes)


def head_trace(path: PathTrace, s: int, **axes) -> go.Scatter:
    x, y = path.xy[min(s, max(path.n_points - 1, 0))]
    return go.Scatter(x=[x], y=[y], mode="markers", showlegend=False, legendgroup=path.label,
                      marker=dict(size=HEAD_SIZE, color=path.color, line=dict(color="#FFFFFF", width=2)),
                      hovertemplate=f"{path.label}: step {min(s, path.n_points - 1)}<extra></extra>", **axes)


def playback_controls(steps: Sequence[int], frame_ms: int, y: float = -0.08) -> dict:
    """Layout entries for a ▶/⏸ pair and a step scrubber over frames named by their step."""
    still = dict(mode="immediate", frame=dict(duration=0, redraw=False), transition=dict(duration=0))
    play = dict(mode="immediate", fromcurrent=True, frame=dict(duration=frame_ms, redraw=False),
                transition=dict(duration=0))
    buttons = [dict(label="▶ Play", method="animate", args=[None, play]),
               dict(label="❚❚ Pause", method="animate", args=[[None], still]),
               dict(label="⏮ Reset", method="animate", args=[[str(steps[0])], still])]
    slider_steps = [dict(method="animate", label=str(s), args=[[str(s)], still]) for s in steps]
    return dict(
        updatemenus=[dict(type="buttons", direction="left", showactive=False, x=0.0, y=y, xanchor="left",
                          yanchor="top", pad=dict(t=0, r=10), buttons=buttons)],
        # tick labels are made transparent: sixty step numbers under the slider are unreadable, and the
        # current step is printed above it anyway
        sliders=[dict(active=0, steps=slider_steps, x=0.24, len=0.76, y=y + 0.02, yanchor="top",
                      currentvalue=dict(prefix="step ", visible=True, xanchor="left",
                                        font=dict(size=14, color=CURRENT_STEP_COLOR)),
                      font=dict(color="rgba(0,0,0,0)"), minorticklen=0, ticklen=3,
                      pad=dict(t=0, b=0), transition=dict(duration=0))])


def _moving_traces(paths, vectors, s, diagonal, side: SidePanel | None, map_axes, side_axes) -> list:
    traces = []
    for k, path in enumerate(paths):
        traces += [trail_trace(path, s, **map_axes), head_trace(path, s, **map_axes)]
        if vectors is not None:
            traces += step_arrow_traces(path, vectors[k], s, diagonal, **map_axes)
    if side is not None:
        traces.append(go.Scatter(
            x=[s] * len(side.series), y=[item.at(s) for item in side.series], mode="markers",
            marker=dict(size=9, color=[item.color for item in side.series], line=dict(color="#222", width=1)),
            showlegend=False, hoverinfo="skip", **side_axes))
    return traces


def _add_frames(fig: go.Figure, build, steps: np.ndarray, frame_ms: int, slider_y: float) -> None:
    """Append the moving traces of step 0 to ``fig`` and one frame per step that replaces them."""
    first = build(int(steps[0]))
    start = len(fig.data)
    fig.add_traces(first)
    moving = list(range(start, start + len(first)))
    fig.frames = [go.Frame(name=str(s), data=[go.Scatter(x=t.x, y=t.y) for t in build(int(s))], traces=moving)
                  for s in steps]
    fig.update_layout(**playback_controls([int(s) for s in steps], frame_ms, slider_y))


def animated_map_figure(xs: np.ndarray, ys: np.ndarray, zs: np.ndarray, paths: Sequence[PathTrace],
                        side: SidePanel | None = None, markers: Sequence[Marker] = (),
                        vectors: Sequence[StepVectors] | None = None, log_color: bool = False,
                        title: str = "", frame_ms: int = DEFAULT_FRAME_MS) -> go.Figure:
    """Map with growing paths (and arrows when ``vectors`` are given) beside an optional side panel."""
    columns = 2 if side is not None else 1
    fig = make_subplots(rows=1, cols=columns, column_widths=[0.58, 0.42][:columns], horizontal_spacing=0.1)
    map_axes, side_axes = dict(xaxis="x", yaxis="y"), dict(xaxis="x2", yaxis="y2")
    fig.add_layout_image(background_image(xs, ys, color_scale(zs, log_color).values, COLORSCALE, N_CONTOURS))
    for path in paths:
        faint = path_trace(path, **map_axes)
        faint.update(opacity=FAINT_OPACITY, mode="lines")
        fig.add_trace(faint)
    fig.add_traces(marker_traces(markers, **map_axes))
    if side is not None:
        for item in side.series:
            idx = thinned_indices(len(item.values))
            fig.add_trace(go.Scatter(
                x=item.steps[idx].astype(np.int32), y=compact(item.values[idx]), mode="lines", name=item.label,
                line=dict(color=item.color, width=PATH_LINE_WIDTH, dash=item.dash), showlegend=False,
                hovertemplate=f"{item.label}<br>step %{{x}}: %{{y:.4g}}<extra></extra>", **side_axes))
        fig.update_yaxes(type="log" if side.log_y else "linear", exponentformat="power", title_text=side.title,
                         row=1, col=2)
        fig.update_xaxes(title_text="step", row=1, col=2)
    diagonal = map_diagonal(xs, ys)
    steps = frame_steps(max(p.n_points for p in paths))
    _add_frames(fig, lambda s: _moving_traces(paths, vectors, s, diagonal, side, map_axes, side_axes),
                steps, frame_ms, slider_y=-0.1)
    fig.update_xaxes(range=[float(xs[0]), float(xs[-1])], showgrid=False, zeroline=False, constrain="domain",
                     row=1, col=1)
    fig.update_yaxes(range=[float(ys[0]), float(ys[-1])], showgrid=False, zeroline=False, constrain="domain",
                     scaleanchor="x", scaleratio=1, row=1, col=1)
    fig.update_layout(title=dict(text=title, x=0.01), height=FIGURE_HEIGHT + 60,
                      margin=ANIMATION_MARGIN, hovermode="closest",
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig


def small_multiples_figure(xs: np.ndarray, ys: np.ndarray, zs: np.ndarray, paths: Sequence[PathTrace],
                           markers: Sequence[Marker] = (), log_color: bool = False, title: str = "",
                           frame_ms: int = DEFAULT_FRAME_MS) -> go.Figure:
    """One panel per path on identical axes, all replayed by one shared step scrubber."""
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
        faint = path_trace(path, show_legend=False, **axes)
        faint.update(opacity=FAINT_OPACITY, mode="lines")
        fig.add_trace(faint)
        fig.add_traces(marker_traces(markers, show_legend=False, **axes))

    def build(s: int) -> list:
        return [t for path, axes in zip(paths, panel_axes)
                for t in (trail_trace(path, s, **axes), head_trace(path, s, **axes))]

    steps = frame_steps(max(p.n_points for p in paths))
    slider_y = -0.12 / rows
    _add_frames(fig, build, steps, frame_ms, slider_y)
    fig.update_xaxes(range=[float(xs[0]), float(xs[-1])], showgrid=False, zeroline=False, constrain="domain")
    fig.update_yaxes(range=[float(ys[0]), float(ys[-1])], showgrid=False, zeroline=False, constrain="domain")
    for axes in panel_axes:  # one unit as long across as up: the surface's true shape in every panel
        fig.layout[axes["yaxis"].replace("y", "yaxis")].update(scaleanchor=axes["xaxis"], scaleratio=1)
    aspect = float(ys[-1] - ys[0]) / float(xs[-1] - xs[0])
    panel_height = min(max(MULTIPLES_PANEL_WIDTH * aspect, MIN_PANEL_HEIGHT), MULTIPLES_PANEL_HEIGHT)
    fig.update_layout(title=dict(text=title, x=0.01), height=round(panel_height * rows) + 140,
                      margin=MULTIPLES_MARGIN, hovermode="closest", showlegend=False)
    return fig
