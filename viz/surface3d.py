"""The loss as a 3D surface with every path lifted onto it, drawn up to a chosen step. No Streamlit here.

    surface_3d_figure(xs, ys, zs, paths, markers=(), log_color=False, title="", step=None) -> go.Figure
    path_heights(zs, paths, log_color) -> one (n_points,) array of drawn heights per path

Each path is drawn faintly in full, and again up to ``step`` (a trail, ``TRAIL_META``, and a head,
``HEAD_META``) so a player can grow it step by step by swapping the trail's and head's data: heights for
every step come from :func:`path_heights`, the same numbers the figure draws.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from viz.figures import COLORSCALE, FIGURE_HEIGHT, PATH_META, ColorScale, color_scale, compact, legend_margin
from viz.paths import MARKER_STYLES, Marker, PathTrace, thinned_indices

PATH_LIFT_FRACTION = 0.01  # 3D paths float this fraction of the height range above the surface, to stay visible
SURFACE_3D_MARGIN = dict(l=10, r=10, t=50, b=18)  # the 3D scene has no axes outside it, only the legend below
TRAIL_META = "trail"  # trace.meta of a path drawn up to the current step (the player swaps its data)
HEAD_META = "head"  # trace.meta of the point at the current step
FAINT_OPACITY = 0.3  # the full path stays visible behind the growing one
TRAIL_WIDTH = 7
FAINT_WIDTH = 4
HEAD_SIZE = 5


def _heights(scale: ColorScale, path: PathTrace) -> np.ndarray:
    lift = PATH_LIFT_FRACTION * float(np.nanmax(scale.values) - np.nanmin(scale.values))
    return scale.transform(path.losses[:path.n_points]) + lift


def path_heights(zs: np.ndarray, paths: Sequence[PathTrace], log_color: bool) -> list[np.ndarray]:
    """The height each path is drawn at after every step: its loss on the colour's scale, lifted a little."""
    scale = color_scale(zs, log_color)
    return [_heights(scale, path) for path in paths]


def _growing_traces(path: PathTrace, heights: np.ndarray, step: int) -> list[go.Scatter3d]:
    """The path up to ``step`` (thinned, keeping its last point) and a head at ``step`` (both empty for a run
    with no finite value at its start)."""
    last = min(step, path.n_points - 1)
    idx = thinned_indices(last + 1)
    head_row = idx[-1:]
    trail = go.Scatter3d(x=compact(path.xy[idx, 0]), y=compact(path.xy[idx, 1]), z=compact(heights[idx]),
                         mode="lines", meta=TRAIL_META, showlegend=False, legendgroup=path.label,
                         line=dict(color=path.color, width=TRAIL_WIDTH), hoverinfo="skip")
    head = go.Scatter3d(x=compact(path.xy[head_row, 0]), y=compact(path.xy[head_row, 1]), z=compact(heights[head_row]),
                        mode="markers", meta=HEAD_META, showlegend=False, legendgroup=path.label,
                        marker=dict(size=HEAD_SIZE, color=path.color, line=dict(color="#FFFFFF", width=1)),
                        hovertemplate=f"{path.label}<extra></extra>")
    return [trail, head]


def surface_3d_figure(xs: np.ndarray, ys: np.ndarray, zs: np.ndarray, paths: Sequence[PathTrace],
                      markers: Sequence[Marker] = (), log_color: bool = False, title: str = "",
                      step: int | None = None) -> go.Figure:
    """The loss as a 3D surface with each path lifted onto it (height on the same scale as the colour),
    drawn up to ``step`` (None: to its end)."""
    scale = color_scale(zs, log_color)
    fig = go.Figure(go.Surface(x=compact(xs), y=compact(ys), z=compact(scale.values), colorscale=COLORSCALE,
                               opacity=0.9, showscale=False, hoverinfo="skip", name="surface"))
    heights = [_heights(scale, path) for path in paths]
    for path, lifted in zip(paths, heights):
        idx = thinned_indices(path.n_points)
        fig.add_trace(go.Scatter3d(
            x=compact(path.xy[idx, 0]), y=compact(path.xy[idx, 1]), z=compact(lifted[idx]), mode="lines",
            name=path.label, meta=PATH_META, legendgroup=path.label, opacity=FAINT_OPACITY,
            line=dict(color=path.color, width=FAINT_WIDTH, dash=path.dash),
            hovertemplate=f"{path.label}<br>(%{{x:.3g}}, %{{y:.3g}})<extra></extra>"))
    last = max((path.n_points - 1 for path in paths), default=0) if step is None else step
    for path, lifted in zip(paths, heights):
        fig.add_traces(_growing_traces(path, lifted, last))
    for marker in markers:
        _, color, _ = MARKER_STYLES[marker.kind]
        height = scale.values[np.abs(ys - marker.y).argmin(), np.abs(xs - marker.x).argmin()]
        fig.add_trace(go.Scatter3d(
            x=[marker.x], y=[marker.y], z=[float(height)], mode="markers", name=marker.label,
            marker=dict(size=5, color=color, symbol="diamond", line=dict(color="#222222", width=1)),
            showlegend=False, hovertemplate=f"{marker.label}<extra></extra>"))
    z_title = scale.title if scale.tickvals is None else "log loss"
    fig.update_layout(title=dict(text=title, x=0.01), height=FIGURE_HEIGHT + 100,
                      margin=legend_margin(SURFACE_3D_MARGIN, [path.label for path in paths]),
                      legend=dict(orientation="h", yanchor="top", y=0.0, x=0), uirevision="surface",
                      scene=dict(xaxis_title="x", yaxis_title="y", zaxis_title=z_title,
                                 aspectmode="manual", aspectratio=dict(x=1.2, y=1.2, z=0.7),
                                 camera=dict(eye=dict(x=1.4, y=-1.5, z=1.1))))
    return fig
