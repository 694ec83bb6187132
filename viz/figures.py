"""Pure Plotly figure builders: the contour map with paths, and the pieces every chart shares. No Streamlit here.

The builders take plain arrays and :class:`~viz.paths.PathTrace` items, so any page can reuse them: the 2D
playground passes a surface grid, the MNIST page passes its loss-landscape plane. The main entry points::

    contour_paths_figure(xs, ys, zs, paths, markers=(), log_color=False, title="", ...) -> go.Figure
    loss_axis(paths, min_value) -> (loss series, log axis?, axis title)

Loss curves are drawn by :mod:`viz.loss_figures`, the 3D surface by :mod:`viz.surface3d`, the step-by-step
views by :mod:`viz.animation`.

``zs[i, j]`` is the loss at ``(xs[j], ys[i])`` (Plotly's convention). Positions, losses and grids are sent as
float32 (float64 only for values beyond its range): the browser draws at screen resolution, and typed arrays
keep every rerun's payload small.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.io.json import to_json_plotly

from viz.background import background_image
from viz.typed_arrays import to_typed_arrays
from viz.paths import MARKER_STYLES, Marker, PathTrace, thinned_indices

FIGURE_HEIGHT = 500
# Starting margins of the map and loss charts, wide enough for what Plotly would push them to anyway (tick
# labels, axis titles, the colour bar, a legend under the map). Plotly grows margins to fit and then draws
# everything again, once per growth: starting from the final size makes the map 3× cheaper to redraw.
MAP_MARGIN = dict(l=72, r=96, t=50, b=80)
LOSS_MARGIN = dict(l=90, r=24, t=50, b=76)
LEGEND_ROW_HEIGHT = 26  # px per row of a horizontal legend (rows holding a star marker are the tallest)
# px from the plot area's bottom edge to a legend below it: room for the x tick labels and the axis title.
LEGEND_OFFSET = 58
# A legend entry's width, estimated: symbol and gaps plus an average character of the 12 px chart font. Rows
# are packed into the narrowest width the charts usually get; a wider chart only leaves some room unused.
LEGEND_ENTRY_PX = 46
LEGEND_CHAR_PX = 6.6
LEGEND_WIDTH_PX = 360
COLORSCALE = "Viridis"
N_CONTOURS = 28
# Decades of colour below the range top on log-coloured maps: the +offset in log10(f − f_min + offset)
# is this fraction of the value range, so the valley floor keeps detail instead of one flat colour.
LOG_OFFSET_FRACTION = 1e-4
# The loss gap f − f_min is floored here on log axes: exact zeros (a run sitting on the minimum) would
# otherwise vanish from a log plot. Far below anything a 2D lesson needs to resolve.
LOSS_GAP_FLOOR = 1e-16
PATH_LINE_WIDTH = 2.2
PATH_POINT_SIZE = 4
# Paths with at most this many drawn points show a dot per step; longer ones are drawn as lines only,
# because thousands of SVG markers make every redraw several times slower and merge into a line anyway.
MAX_DOTTED_POINTS = 150
PATH_META = "path"  # trace.meta of every optimizer path, so pages and tests can find them
END_META = "end"  # trace.meta of each path's end marker (a dot, or a cross where the run died)
LOSS_META = "loss"  # trace.meta of every loss curve
MARKER_META_PREFIX = "marker-"  # + kind: trace.meta of the marked points (the start is "marker-start")
END_POINT_SIZE = 11
LR_META = "lr"  # trace.meta of every learning-rate curve under the loss curves


# Modules Plotly's validators and JSON encoder look up in sys.modules instead of importing them. Where figures
# are built in several threads, these are imported first: a module another thread is still importing is
# listed there half initialised (``ui/chart_library.py``, ``ui/server_start.py``).
PLOTLY_LOOKS_UP = ("numpy", "pandas", "PIL.Image")
FLOAT32_MAX = float(np.finfo(np.float32).max)
SCATTER = "scatter"  # trace type of the plain-dict traces below


def unvalidated_figure(data: Sequence[dict], layout: dict) -> go.Figure:
    """A Figure from plain trace and layout dicts, skipping plotly.py's property-by-property validation.

    Building the map through validated objects takes ~20 ms, half of a slider move's server time; wrapped
    unvalidated it takes ~1 ms. Nothing goes unchecked: ``tests/test_figures.py`` validates every builder's
    output against Plotly's schema. (``_validate`` is plotly.py's own switch for this.)
    """
    return go.Figure(dict(data=list(data), layout=layout), _validate=False)


def figure_json(data: Sequence[dict], layout: dict) -> str:
    """The plotly.js JSON of ``unvalidated_figure(data, layout)`` (the same figure, keys maybe in another order),
    written straight from the dicts, which it consumes: numpy arrays become Plotly's base64 typed arrays, and
    the layout gets the default template a Figure would add.

    Building the Figure and its ``to_json`` copy every dict and array on the way (4.7 ms for the live map,
    against 0.1 ms here); a learning rate no one has asked for yet pays that on the server.
    """
    figure = dict(data=list(data), layout=dict(layout))
    to_typed_arrays(figure)
    figure["layout"].setdefault("template", _default_template())
    return to_json_plotly(figure)


@functools.cache
def _default_template() -> dict:
    return pio.templates[pio.templates.default].to_plotly_json()


def compact(values) -> np.ndarray:
    """The values as float32 for the browser (Plotly sends numpy arrays as compact typed arrays), or as
    float64 when some lie beyond float32's range (the loss of a run on its way to diverging), so the chart
    shows them as they are instead of clipped or infinite."""
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    if finite.size and np.abs(finite).max() > FLOAT32_MAX:
        return values
    return values.astype(np.float32)


@dataclass(frozen=True)
class ColorScale:
    """The values that drive the colour (maybe log-transformed) and colour-bar ticks in loss units."""

    values: np.ndarray
    title: str
    tickvals: tuple[float, ...] | None = None
    ticktext: tuple[str, ...] | None = None
    floor: float | None = None  # set on log scales: the grid minimum …
    offset: float = 1.0  # … and the offset inside the log

    def transform(self, z: np.ndarray) -> np.ndarray:
        """Map loss values to the same scale as ``values`` (for paths lifted onto a 3D surface)."""
        if self.floor is None:
            return z
        return np.log10(np.maximum(z - self.floor, 0.0) / self.offset + 1.0)


def color_scale(zs: np.ndarray, log_color: bool) -> ColorScale:
    """Plain values, or log10((f − f_min)/offset + 1) with colour-bar ticks labelled in loss units.

    Relative to the grid's own minimum, so it also works for surfaces without a global minimum.
    """
    if not log_color:
        return ColorScale(zs, "loss")
    floor = float(np.nanmin(zs))
    span = max(float(np.nanmax(zs)) - floor, np.finfo(float).tiny)
    offset = span * LOG_OFFSET_FRACTION
    decades = range(int(np.ceil(np.log10(offset))), int(np.floor(np.log10(span))) + 1)
    gaps = [0.0, *(10.0 ** e for e in decades)]
    tickvals = tuple(float(np.log10(g / offset + 1.0)) for g in gaps)
    ticktext = tuple(f"{floor + g:.3g}" for g in gaps)
    values = np.log10((zs - floor) / offset + 1.0)
    return ColorScale(values, "loss (log colour)", tickvals, ticktext, floor, offset)


def colorbar_trace(scale: ColorScale, xs, ys, **axes) -> dict:
    """An invisible point that carries the colour bar of the map picture (a layout image has none)."""
    colorbar = dict(title=dict(text=scale.title, side="right"), thickness=14, len=0.9)
    if scale.tickvals is not None:
        colorbar.update(tickvals=scale.tickvals, ticktext=scale.ticktext)
    low, high = float(np.nanmin(scale.values)), float(np.nanmax(scale.values))
    return dict(type=SCATTER, x=[float(xs[0])], y=[float(ys[0])], mode="markers", hoverinfo="skip",
                showlegend=False, name="colour scale",
                marker=dict(color=[low], cmin=low, cmax=high, colorscale=COLORSCALE, showscale=True,
                            colorbar=colorbar, opacity=0), **axes)


def marker_traces(markers: Sequence[Marker], show_legend: bool = True, **axes) -> list[dict]:
    """One trace per marker kind, so each kind gets one legend entry."""
    traces = []
    for kind in dict.fromkeys(m.kind for m in markers):
        group = [m for m in markers if m.kind == kind]
        symbol, color, size = MARKER_STYLES[kind]
        traces.append(dict(
            type=SCATTER, x=[m.x for m in group], y=[m.y for m in group], mode="markers", name=group[0].label,
            marker=dict(symbol=symbol, color=color, size=size, line=dict(color="#222222", width=1.2)),
            hovertemplate=f"{group[0].label} (%{{x:.3g}}, %{{y:.3g}})<extra></extra>",
            showlegend=show_legend, legendgroup=MARKER_META_PREFIX + kind, meta=MARKER_META_PREFIX + kind, **axes))
    return traces


def path_trace(path: PathTrace, upto: int | None = None, show_legend: bool = True, **axes) -> dict:
    """The path's drawable points (thinned), up to point index ``upto`` inclusive when given."""
    n = path.n_points if upto is None else min(upto + 1, path.n_points)
    idx = thinned_indices(n)
    xy = path.xy[idx]
    custom = np.column_stack([path.step_numbers(idx),
                              path.losses[idx] if path.losses is not None else np.full(len(idx), np.nan)])
    mode = "lines+markers" if len(idx) <= MAX_DOTTED_POINTS else "lines"
    return dict(
        type=SCATTER, x=compact(xy[:, 0]), y=compact(xy[:, 1]), customdata=compact(custom), mode=mode, name=path.label,
        meta=PATH_META,
        line=dict(color=path.color, width=PATH_LINE_WIDTH, dash=path.dash),
        marker=dict(size=PATH_POINT_SIZE, color=path.color),
        hovertemplate=f"{path.label}<br>step %{{customdata[0]:.0f}}: (%{{x:.3g}}, %{{y:.3g}})"
                      "<br>loss %{customdata[1]:.3g}<extra></extra>",
        legendgroup=path.label, showlegend=show_legend, **axes)


def end_marker_trace(path: PathTrace, **axes) -> dict:
    """A large dot where the path ends, or a cross where the run died (diverged, exploded or undefined)."""
    last = max(path.n_points - 1, 0)
    x, y = path.xy[last] if path.n_points else path.xy[0]
    if path.ending.died:
        text = path.ending.status
    elif path.diverged_at is not None:
        text = f"diverged at step {path.diverged_at}"
    else:
        text = f"end after {last} steps"
    return dict(
        type=SCATTER, x=[float(x)], y=[float(y)], mode="markers", showlegend=False, legendgroup=path.label,
        meta=END_META,
        marker=dict(symbol="x" if path.died else "circle", size=END_POINT_SIZE, color=path.color,
                    line=dict(color="#FFFFFF", width=1.5)),
        hovertemplate=f"{path.label}: {text}<extra></extra>", **axes)


def legend_rows(labels: Sequence[str], width: float = LEGEND_WIDTH_PX) -> int:
    """How many rows a horizontal legend of ``labels`` takes in ``width`` px (an estimate)."""
    rows, used = 0, width
    for label in labels:
        entry = LEGEND_ENTRY_PX + LEGEND_CHAR_PX * len(label)
        if used + entry > width:
            rows, used = rows + 1, 0.0
        used += entry
    return rows


def legend_margin(margin: dict, labels: Sequence[str], row_height: int = LEGEND_ROW_HEIGHT,
                  width: float = LEGEND_WIDTH_PX) -> dict:
    """``margin`` with its bottom grown by the rows a horizontal legend of ``labels`` takes."""
    return dict(margin, b=margin["b"] + legend_rows(labels, width) * row_height)


def legend_below(height: int, margin: dict) -> dict:
    """A horizontal legend ``LEGEND_OFFSET`` px under the plot area of a ``height`` px figure with ``margin``,
    clear of the x-axis title however tall the plot area is (Plotly places legends in fractions of it)."""
    plot_height = height - margin["t"] - margin["b"]
    return dict(orientation="h", yanchor="top", y=-LEGEND_OFFSET / plot_height, x=0)


def map_layout(xs, ys, title: str, equal_aspect: bool, legend_labels: Sequence[str] = ()) -> dict:
    """Axes fixed to the grid (paths that leave it run off the map instead of rescaling it).

    constrain="domain": keeping one unit equally long on both axes shrinks the plot area instead of widening
    an axis range past the grid. The bottom margin leaves room for a legend of ``legend_labels``.
    """
    axis = dict(showgrid=False, zeroline=False, constrain="domain")
    y_axis = dict(axis, range=[float(ys[0]), float(ys[-1])], title=dict(text="y"))
    if equal_aspect:
        y_axis.update(scaleanchor="x", scaleratio=1)
    margin = legend_margin(MAP_MARGIN, legend_labels)
    return dict(title=dict(text=title, x=0.01), height=FIGURE_HEIGHT, margin=margin,
                legend=legend_below(FIGURE_HEIGHT, margin), hovermode="closest",
                uirevision="map", xaxis=dict(axis, range=[float(xs[0]), float(xs[-1])], title=dict(text="x")),
                yaxis=y_axis)


def contour_paths_figure(xs: np.ndarray, ys: np.ndarray, zs: np.ndarray, paths: Sequence[PathTrace],
                         markers: Sequence[Marker] = (), log_color: bool = False, title: str = "",
                         equal_aspect: bool = True) -> go.Figure:
    """Contour map of ``zs`` over ``(xs, ys)`` with every path drawn on top.

    The map is a banded picture (:mod:`viz.background`) rather than a contour trace: it looks the same, redraws
    faster when a slider moves the paths, and matches the animated views.

    Args:
        xs, ys: 1D, evenly spaced grid coordinates (the picture is stretched over their range);
            zs: (len(ys), len(xs)) loss values.
        paths: :class:`PathTrace` items (label, colour, xy (n, 2), losses, diverged_at).
        markers: :class:`Marker` items (minima, saddles, start) drawn as symbols with a legend entry.
        log_color: colour by log10 of the loss above the grid minimum (for ranges spanning decades).
        title: figure title. equal_aspect: one unit in x is as long as one unit in y.
    """
    return unvalidated_figure(*contour_paths_parts(xs, ys, zs, paths, markers, log_color, title, equal_aspect))


def contour_paths_parts(xs: np.ndarray, ys: np.ndarray, zs: np.ndarray, paths: Sequence[PathTrace],
                        markers: Sequence[Marker] = (), log_color: bool = False, title: str = "",
                        equal_aspect: bool = True) -> tuple[list[dict], dict]:
    """The traces and layout of :func:`contour_paths_figure` as plain dicts, for a variant of the map to
    adjust before it becomes a figure (plotly.py re-validates every property set on a built figure)."""
    scale = color_scale(zs, log_color)
    traces = [colorbar_trace(scale, xs, ys)]
    for path in paths:
        traces += [path_trace(path), end_marker_trace(path)]
    traces += marker_traces(markers)
    legend_labels = [trace["name"] for trace in traces if trace.get("showlegend", True)]
    layout = map_layout(xs, ys, title, equal_aspect, legend_labels)
    layout["images"] = [background_image(xs, ys, scale.values, COLORSCALE, N_CONTOURS)]
    return traces, layout


def plotted_losses(series: Sequence[np.ndarray], min_value: float | None) -> tuple[list[np.ndarray], bool]:
    """The loss series as plotted, and whether their axis is logarithmic: with a known minimum, the gap
    f − f_min (floored at LOSS_GAP_FLOOR) on a log axis, so negative minima work too; without one (a surface
    unbounded below), the raw losses, on a log axis only if every finite one is positive."""
    if min_value is not None:
        return [np.maximum(s - min_value, LOSS_GAP_FLOOR) for s in series], True
    return list(series), all(np.all(s[np.isfinite(s)] > 0) for s in series)


def loss_axis(paths: Sequence[PathTrace], min_value: float | None) -> tuple[list[np.ndarray], bool, str]:
    """Loss series to plot, whether the y axis is logarithmic, and its title (see :func:`plotted_losses`)."""
    series, log_axis = plotted_losses([p.losses[:p.n_points] for p in paths], min_value)
    if min_value is not None:
        return series, log_axis, "loss − minimum (log scale)"
    return series, log_axis, "loss (log scale)" if log_axis else "loss"
