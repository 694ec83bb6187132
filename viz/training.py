"""The MNIST page's live training chart: mini-batch loss per optimizer above the learning rate each step used.

Drawn again at every progress report while a network trains, so it is kept cheap to redraw.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from mnist.train import TrainResult
from viz.theme import run_colors

LOSS_CURVE_POINTS = 300  # the mini-batch loss is averaged into this many bins per curve: noise → trend
CHART_HEIGHT = 500
LR_PANEL_SHARE = 0.28  # of the chart's plot height: the learning-rate panel under the loss curves
PANEL_GAP = 0.06  # between the two panels, as a fraction of the plot height
LEGEND_BELOW_AXIS_TITLE = -0.2  # legend position (fraction of the plot height) clear of the x-axis title
# Starting margins at the size Plotly grows them to for two legend rows (see viz.figures.MAP_MARGIN): each
# growth would cost a full redraw of the chart at every progress report.
MARGIN = dict(l=74, r=14, t=40, b=112)


def binned(values: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """(bin centre step, mean) of the finished (non-NaN, leading) ``values`` in bins of a width fixed by the
    full run's length, so the live curve and the final one look the same."""
    width = max(1, -(-values.size // bins))
    done = int(np.count_nonzero(~np.isnan(values)))
    n_bins = -(-done // width)
    padded = np.full(n_bins * width, np.nan)
    padded[:done] = values[:done]
    means = np.nanmean(padded.reshape(n_bins, width), axis=1) if n_bins else np.zeros(0)
    starts = np.arange(n_bins) * width
    centres = starts + (np.minimum(width, done - starts) - 1) / 2
    return centres, means


def training_loss_figure(result: TrainResult) -> go.Figure:
    """Mini-batch training loss per optimizer (log scale) above the learning rate each step used, relative to
    the run's base rate so every schedule's shape shows on one linear axis (the hover gives the rate itself).
    Both are bin means on one step axis, with epoch boundaries; a legend entry shows or hides both curves."""
    config = result.config
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=PANEL_GAP,
                        row_heights=[1.0 - LR_PANEL_SHARE, LR_PANEL_SHARE])
    for run, label, color, losses, rates in zip(config.runs, config.labels(), run_colors(config.names),
                                                result.train_loss, result.learning_rates):
        x, y = binned(losses, LOSS_CURVE_POINTS)
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=label, legendgroup=label, line=dict(color=color)),
                      row=1, col=1)
        x, lr = binned(rates, LOSS_CURVE_POINTS)
        fig.add_trace(go.Scatter(x=x, y=lr / run.values["lr"], customdata=lr, mode="lines", name=label,
                                 legendgroup=label, showlegend=False, line=dict(color=color),
                                 hovertemplate="lr %{customdata:.3g}"), row=2, col=1)
    for epoch in range(1, config.epochs):
        fig.add_vline(x=epoch * result.steps_per_epoch, line=dict(color="#999999", dash="dot", width=1),
                      row="all", col=1)
    fig.update_layout(height=CHART_HEIGHT, margin=MARGIN, hovermode="x unified",
                      title=dict(text="Training loss (mean of the mini-batches around each point) and learning "
                                      "rate", x=0.01),
                      legend=dict(orientation="h", yanchor="top", y=LEGEND_BELOW_AXIS_TITLE, x=0))
    fig.update_xaxes(range=[0, result.train_loss.shape[1]])
    fig.update_xaxes(title_text="step", row=2, col=1)
    fig.update_yaxes(title_text="cross-entropy (log scale)", type="log", row=1, col=1)
    fig.update_yaxes(title_text="lr / base lr", rangemode="tozero", row=2, col=1)
    return fig
