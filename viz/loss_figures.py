"""Loss per step: every run's loss curve, and its learning-rate schedule in a panel under it. No Streamlit here.

    loss_curves_figure(paths, min_value=None, title="", show_legend=True, lr_curves=None) -> go.Figure

The loss series and the axis they go on come from :func:`viz.figures.loss_axis`, shared with the live chart.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from viz.figures import (FIGURE_HEIGHT, LOSS_MARGIN, LOSS_META, LR_META, PATH_LINE_WIDTH, SCATTER, compact,
                         legend_below, legend_margin, loss_axis, unvalidated_figure)
from viz.paths import PathTrace, thinned_indices

LR_PANEL_SHARE = 0.3  # of the loss figure's plot height given to the learning-rate panel under it
LR_PANEL_TITLE = "Learning-rate schedule"
MAX_DECADE_TICKS = 6  # labelled powers of ten on a log loss axis
PANEL_GAP = 0.1  # between the loss and learning-rate panels, as a fraction of the plot height

# The loss panel over the learning-rate panel, sharing the step axis: the axes' domains and the lower panel's
# title, laid out once by plotly.py (the default template comes with every figure anyway).
PANELS_LAYOUT = {key: value for key, value in make_subplots(
    rows=2, cols=1, shared_xaxes=True, vertical_spacing=PANEL_GAP, row_heights=[1.0 - LR_PANEL_SHARE, LR_PANEL_SHARE],
    subplot_titles=("", LR_PANEL_TITLE)).layout.to_plotly_json().items() if key != "template"}


def decade_ticks(series: Sequence[np.ndarray]) -> dict:
    """Ticks of a log axis over ``series`` at powers of ten only (every k-th decade, at most
    ``MAX_DECADE_TICKS`` of them), so no minor tick carries a label and every label reads 10^k; a range
    under one decade keeps Plotly's own ticks."""
    values = np.concatenate([np.asarray(v, dtype=np.float64) for v in series]) if len(series) else np.array([])
    values = values[np.isfinite(values) & (values > 0)]
    if not values.size:
        return {}
    span = float(np.log10(values.max()) - np.log10(values.min()))
    if span < 1.0:
        return {}
    return dict(dtick=max(1, int(np.ceil(span / MAX_DECADE_TICKS))))


def loss_traces(paths: Sequence[PathTrace], series: Sequence[np.ndarray], show_legend: bool = False,
                **axes) -> list[dict]:
    traces = []
    for path, values in zip(paths, series):
        idx = thinned_indices(len(values))
        traces.append(dict(
            type=SCATTER, x=idx.astype(np.int32), y=compact(values[idx]), mode="lines", name=path.label,
            meta=LOSS_META, line=dict(color=path.color, width=PATH_LINE_WIDTH, dash=path.dash),
            legendgroup=path.label, showlegend=show_legend,
            hovertemplate=f"{path.label}<br>step %{{x}}: %{{y:.3g}}<extra></extra>", **axes))
    return traces


@dataclass(frozen=True)
class LrCurve:
    """A run's learning rate at updates 1…n, and the base rate its schedule scales."""

    lrs: np.ndarray
    base_lr: float


def lr_traces(paths: Sequence[PathTrace], curves: Sequence[LrCurve], **axes) -> list[dict]:
    """Each run's learning rate as a fraction of its base rate, so runs with different rates share one axis
    (the hover gives the rate itself)."""
    traces = []
    for path, curve in zip(paths, curves):
        idx = thinned_indices(len(curve.lrs))
        fraction = curve.lrs[idx] / curve.base_lr if curve.base_lr > 0 else np.ones(len(idx))
        traces.append(dict(
            type=SCATTER, x=(idx + 1).astype(np.int32), y=compact(fraction), customdata=compact(curve.lrs[idx]),
            mode="lines",
            name=path.label, meta=LR_META, line=dict(color=path.color, width=PATH_LINE_WIDTH),
            legendgroup=path.label, showlegend=False,
            hovertemplate=f"{path.label}<br>update %{{x}}: lr %{{customdata:.4g}}<extra></extra>", **axes))
    return traces


def loss_curves_figure(paths: Sequence[PathTrace], min_value: float | None = None,
                       title: str = "Loss per step", show_legend: bool = True,
                       lr_curves: Sequence[LrCurve] | None = None) -> go.Figure:
    """Loss against step for every path; log y (of f − min_value when the minimum is known).

    ``show_legend=False`` suits a chart drawn beside a map that already names every colour. With
    ``lr_curves`` (one per path), a panel under the loss shows each run's learning-rate schedule on the same
    step axis.
    """
    return unvalidated_figure(*loss_curves_parts(paths, min_value, title, show_legend, lr_curves))


def loss_curves_parts(paths: Sequence[PathTrace], min_value: float | None = None,
                      title: str = "Loss per step", show_legend: bool = True,
                      lr_curves: Sequence[LrCurve] | None = None) -> tuple[list[dict], dict]:
    """The traces and layout of :func:`loss_curves_figure` as plain dicts (see ``contour_paths_parts``)."""
    series, log_y, y_title = loss_axis(paths, min_value)
    loss_y = dict(title=dict(text=y_title), type="log" if log_y else "linear", exponentformat="power",
                  **(decade_ticks(series) if log_y else {}))
    margin = legend_margin(LOSS_MARGIN, [path.label for path in paths] if show_legend else [])
    layout = dict(title=dict(text=title, x=0.01), height=FIGURE_HEIGHT, margin=margin,
                  legend=legend_below(FIGURE_HEIGHT, margin), hovermode="x unified")
    if not lr_curves:
        return (loss_traces(paths, series, show_legend=show_legend),
                dict(xaxis=dict(title=dict(text="step")), yaxis=loss_y, **layout))
    traces = (loss_traces(paths, series, show_legend=show_legend, xaxis="x", yaxis="y")
              + lr_traces(paths, lr_curves, xaxis="x2", yaxis="y2"))
    return traces, merged(copy.deepcopy(PANELS_LAYOUT), dict(yaxis=loss_y, xaxis2=dict(title=dict(text="step")),
                                              yaxis2=dict(title=dict(text="lr ÷ base lr"), rangemode="tozero"),
                                              **layout))


def merged(base: dict, changes: dict) -> dict:
    """A new layout dict: ``base`` with ``changes`` merged in, nested dicts key by key (as plotly.py's
    ``update_layout`` merges them); ``base`` is left as it is."""
    result = dict(base)
    for key, value in changes.items():
        result[key] = merged(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) \
            else value
    return result

