"""Stability-map figures: the learning-rate × momentum outcome heatmap with theory overlays, and the fan.

Pure Plotly builders (no Streamlit). The heatmap draws a :class:`~simulation.sweep.SweepResult`; on top of it
sit an invisible scatter of cell centres (Plotly cannot select heatmap cells, so clicks land on these points
and report the cell's learning rate and momentum), the classical stability limits of gradient descent and
heavy-ball momentum on quadratics, and the optimal setting. The fan draws the paths of several learning rates
on one contour map, reusing :func:`viz.figures.contour_paths_figure`. What colours the cells (the colour modes
and outcome classes) is in ``viz/stability_colors.py``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from optimizers.registry import shared_hyperparameter
from optimizers.spec import Hyperparameter
from simulation.sweep import QuadraticTheory, SweepResult
from viz.figures import FIGURE_HEIGHT, compact, contour_paths_figure, legend_below, legend_margin
from viz.paths import MARKER_STYLES, Marker, PathTrace
from viz.stability_colors import DIVERGED, DIVERGED_COLOR, NEVER_REACHED, OUTCOMES, Layer, color_layer

# Overlays are drawn twice, a dark wide stroke under a light narrow one, so they stay visible on every cell
# colour; the dark stroke carries the legend entry, which would be invisible in white on the white legend.
HALO_COLOR = "#111111"
LIGHT_COLOR = "#FFFFFF"
THEORY_WIDTH = 2.0
HALO_WIDTH = 5.0
GD_DASH = "dash"
SELECTED_SIZE = 17
OPTIMUM_LABEL = "optimal (η*, μ*)"
MAP_HEIGHT = FIGURE_HEIGHT + 60
# Starting margins at the size Plotly grows them to (axis titles, colour bar; the legend rows are added per map):
# see viz.figures.MAP_MARGIN.
MARGIN = dict(l=78, r=118, t=60, b=78)
LEGEND_WIDTH = 760  # px a legend row gets under the full-width map (an estimate on the narrow side)
LEGEND_ROW_HEIGHT = 29  # px: the star and the outlined square are taller than a line of text
CLICK_TARGET_COLOR = "rgba(0,0,0,0)"  # invisible, but still hoverable and selectable
CLICK_TARGET_SIZE = 6  # px: about one cell of a 100 × 100 map, so the hover follows the pointer cell by cell
FAN_COLORSCALE = "Plasma"
FAN_COLOR_RANGE = (0.0, 0.85)  # Plasma's last 15 % is a pale yellow that vanishes on the contour map


@dataclass(frozen=True)
class Cell:
    """A point on the map: a learning rate and the value of the second axis (momentum or β1)."""

    lr: float
    second: float


def second_axis(result: SweepResult) -> Hyperparameter:
    """The hyperparameter of the map's rows (its label titles the axis, its symbol names it in hovers)."""
    return shared_hyperparameter(result.second_name)


def log_edges(values: np.ndarray) -> np.ndarray:
    """Cell edges for log-spaced centres: geometric midpoints, half a step beyond each end.

    Plotly would otherwise place heatmap cell edges at arithmetic midpoints, which on a log axis makes the
    cells unequal and shifts them off their values.
    """
    logs = np.log10(values)
    return 10.0 ** _edges(logs)


def _edges(centres: np.ndarray) -> np.ndarray:
    """Midpoints between neighbouring centres, extended by half a step at both ends (one centre: ±0.5)."""
    if centres.size == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mid = (centres[1:] + centres[:-1]) / 2
    return np.concatenate([[2 * centres[0] - mid[0]], mid, [2 * centres[-1] - mid[-1]]])


def heatmap_trace(result: SweepResult, layer: Layer) -> go.Heatmap:
    colorbar = dict(title=dict(text=layer.title, side="right"), thickness=14, len=0.9)
    if layer.tickvals is not None:
        colorbar.update(tickvals=layer.tickvals, ticktext=layer.ticktext)
    return go.Heatmap(x=log_edges(result.lrs), y=_edges(result.seconds), z=compact(layer.z),
                      colorscale=layer.colorscale, zmin=layer.zmin, zmax=layer.zmax, showscale=layer.show_scale,
                      colorbar=colorbar, hoverinfo="skip", name=layer.title)


def mask_traces(result: SweepResult, mask: np.ndarray, label: str, color: str) -> list[go.BaseTraceType]:
    """Cells in ``mask`` painted one flat colour, plus a legend entry naming them (none if mask is empty)."""
    if not mask.any():
        return []
    z = np.where(mask, 1.0, np.nan)
    return [go.Heatmap(x=log_edges(result.lrs), y=_edges(result.seconds), z=compact(z),
                       colorscale=[(0, color), (1, color)], showscale=False, hoverinfo="skip", name=label),
            _legend_swatch(label, color)]


def _legend_swatch(label: str, color: str) -> go.Scatter:
    """A legend entry only (no data): heatmaps have no legend item of their own."""
    return go.Scatter(x=[None], y=[None], mode="markers", name=label,
                      marker=dict(symbol="square", size=12, color=color, line=dict(width=1, color="#444444")))


def click_target_trace(result: SweepResult) -> go.Scatter:
    """One invisible point per cell centre; hovering shows the cell's numbers, clicking selects it.

    Coordinates stay float64 so a click reports exactly the learning rate and momentum the cell was run with.
    """
    lr, second = np.meshgrid(result.lrs, result.seconds)
    steps = np.where(result.steps_to_tolerance >= 0, result.steps_to_tolerance, np.nan)
    diverged = np.where(result.diverged_at >= 0, result.diverged_at, np.nan)
    custom = np.column_stack([result.final_loss.ravel(), steps.ravel(), diverged.ravel()])
    with np.errstate(over="ignore"):  # losses beyond float32's range show as inf, which is what they are here
        custom = custom.astype(np.float32)
    symbol = second_axis(result).symbol
    return go.Scatter(
        x=lr.ravel(), y=second.ravel(), customdata=custom, mode="markers", showlegend=False,
        name="cells", marker=dict(size=CLICK_TARGET_SIZE, color=CLICK_TARGET_COLOR),
        selected=dict(marker=dict(opacity=0)), unselected=dict(marker=dict(opacity=0)),
        hovertemplate=(f"η = %{{x:.3g}}, {symbol} = %{{y:.3f}}<br>final loss %{{customdata[0]:.3g}}"
                       "<br>reached the minimum at step %{customdata[1]:.0f}"
                       "<br>diverged at step %{customdata[2]:.0f}<extra>click to load</extra>"))


def _haloed_line(x, y, name: str, dash: str, hovertemplate: str) -> list[go.Scatter]:
    """A light line over a dark halo, one legend entry (the halo's)."""
    common = dict(x=x, y=y, mode="lines", legendgroup=name, hovertemplate=hovertemplate)
    return [go.Scatter(name=name, line=dict(color=HALO_COLOR, width=HALO_WIDTH, dash=dash), **common),
            go.Scatter(name=name, showlegend=False, line=dict(color=LIGHT_COLOR, width=THEORY_WIDTH, dash=dash),
                       **common)]


def theory_traces(theory: QuadraticTheory, seconds: np.ndarray, stability_rule: str | None
                  ) -> list[go.Scatter]:
    """Gradient descent's limit 2/λ_max; for the registry's ``stability_rule`` "heavy_ball" also heavy
    ball's 2(1+μ)/λ_max and the optimum (η*, μ*), for "nesterov" Nesterov's 2(1+μ)/((1+2μ)·λ_max)."""
    low, high = float(seconds[0]), float(seconds[-1])
    traces = _haloed_line([theory.gd_max_lr] * 2, [low, high], "gradient descent limit η = 2/λ_max", GD_DASH,
                          "gradient descent diverges for η > 2/λ_max = %{x:.3g}<extra></extra>")
    if stability_rule == "nesterov":
        traces += _haloed_line(
            theory.nesterov_max_lr(seconds), seconds, "Nesterov limit η = 2(1+μ)/((1+2μ)λ_max)", "solid",
            "Nesterov diverges for η > %{x:.3g} at μ = %{y:.2f}<extra></extra>")
    if stability_rule == "heavy_ball":
        traces += _haloed_line(
            theory.heavy_ball_max_lr(seconds), seconds, "momentum limit η = 2(1+μ)/λ_max", "solid",
            "heavy ball diverges for η > 2(1+μ)/λ_max = %{x:.3g} at μ = %{y:.2f}<extra></extra>")
        symbol, color, size = MARKER_STYLES["minimum"]
        traces.append(go.Scatter(
            x=[theory.optimal_lr], y=[theory.optimal_beta], mode="markers", name=OPTIMUM_LABEL,
            marker=dict(symbol=symbol, color=color, size=size + 4, line=dict(color=HALO_COLOR, width=1.2)),
            hovertemplate="fastest: η* = %{x:.3g}, μ* = %{y:.3f}<extra></extra>"))
    return traces


def selected_cell_traces(cell: Cell) -> list[go.Scatter]:
    """An outlined square around the cell whose path the page shows (light on dark, like the lines).

    Open symbols are stroked in the marker colour, with the line width as the stroke width.
    """
    common = dict(x=[cell.lr], y=[cell.second], mode="markers", legendgroup="selected", hoverinfo="skip")
    return [go.Scatter(name="shown below", marker=dict(symbol="square-open", size=SELECTED_SIZE, color=HALO_COLOR,
                                                       line=dict(width=HALO_WIDTH)), **common),
            go.Scatter(name="shown below", showlegend=False, marker=dict(
                symbol="square-open", size=SELECTED_SIZE, color=LIGHT_COLOR, line=dict(width=THEORY_WIDTH)),
                **common)]


def stability_figure(result: SweepResult, color_by: str = "final_loss", min_value: float | None = None,
                     theory: QuadraticTheory | None = None, stability_rule: str | None = None,
                     selected: Cell | None = None, title: str = "") -> go.Figure:
    """The stability map of ``result`` (rows: second axis, columns: learning rates on a log axis).

    Args:
        color_by: a key of :data:`COLOR_MODES`. Diverged cells are always dark red; in the "steps" mode cells
            that never reached the minimum are grey.
        min_value: the surface's minimum (the final loss is shown above it); None when unknown.
        theory: the quadratic's stability facts, drawn as lines (None: no overlay).
        stability_rule: the optimizer's ``Optimizer.stability_rule``: "heavy_ball" or "nesterov" also draws
            that method's limit (and for heavy ball the optimal (η*, μ*)); any other draws gradient descent's
            limit only.
        selected: the cell whose path the page shows, outlined.
    """
    fig = go.Figure(heatmap_trace(result, color_layer(result, color_by, min_value)))
    if color_by == "outcome":
        fig.add_traces([_legend_swatch(label, color) for label, color in OUTCOMES])
    else:
        if color_by == "steps":
            never = (result.steps_to_tolerance < 0) & (result.diverged_at < 0)
            fig.add_traces(mask_traces(result, never, *NEVER_REACHED))
        fig.add_traces(mask_traces(result, result.diverged_at >= 0, OUTCOMES[DIVERGED][0], DIVERGED_COLOR))
    fig.add_trace(click_target_trace(result))
    if theory is not None:
        fig.add_traces(theory_traces(theory, result.seconds, stability_rule))
    if selected is not None:
        fig.add_traces(selected_cell_traces(selected))
    _map_layout(fig, result, title)
    return fig


def _map_layout(fig: go.Figure, result: SweepResult, title: str) -> None:
    """Axes fixed to the grid, so theory lines beyond it are clipped instead of stretching the map."""
    x_edges, y_edges = log_edges(result.lrs), _edges(result.seconds)
    legend_labels = [trace.name for trace in fig.data if trace.type == "scatter" and trace.showlegend is not False]
    margin = legend_margin(MARGIN, legend_labels, LEGEND_ROW_HEIGHT, LEGEND_WIDTH)
    fig.update_layout(title=dict(text=title, x=0.01), height=MAP_HEIGHT, margin=margin,
                      legend=legend_below(MAP_HEIGHT, margin),
                      hovermode="closest", uirevision="stability", plot_bgcolor="#FFFFFF")
    fig.update_xaxes(type="log", range=[np.log10(x_edges[0]), np.log10(x_edges[-1])],
                     title_text="learning rate η (log scale)", exponentformat="power", showgrid=False)
    fig.update_yaxes(range=[y_edges[0], y_edges[-1]], showgrid=False, zeroline=False,
                     title_text=second_axis(result).label)


def fan_colors(count: int) -> list[str]:
    """``count`` colours from dark (smallest learning rate) to bright (largest)."""
    if count == 1:
        return sample_colorscale(FAN_COLORSCALE, [FAN_COLOR_RANGE[0]])
    return sample_colorscale(FAN_COLORSCALE, list(np.linspace(*FAN_COLOR_RANGE, count)))


def fan_figure(xs: np.ndarray, ys: np.ndarray, zs: np.ndarray, lrs: Sequence[float], positions: np.ndarray,
               losses: np.ndarray, diverged_at: Sequence[int | None], markers: Sequence[Marker] = (),
               log_color: bool = False, title: str = "") -> go.Figure:
    """One contour map with the path of each learning rate, coloured dark (small η) to bright (large η).

    ``positions[k]`` (n, 2) and ``losses[k]`` (n,) belong to ``lrs[k]``, as in an engine Result.
    """
    paths = [PathTrace(f"η = {lr:.3g}", color, positions[k], losses[k], diverged_at[k])
             for k, (lr, color) in enumerate(zip(lrs, fan_colors(len(lrs))))]
    return contour_paths_figure(xs, ys, zs, paths, markers, log_color, title)
