"""The part of an exported frame that never changes, drawn once with matplotlib (Agg, no pyplot).

Contour map with minima, saddles and start points, axes, title, legend and an empty loss panel are
rendered to one RGB image. The exporter then draws only the moving parts on top, using the pixel
transforms of the two panels that :func:`draw_static` returns.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from viz.theme import Theme

# Geometry is defined at this height in inches; the dpi scales it, so fonts and lines keep the same share
# of the frame at every size (a 720-pixel frame is a 480-pixel one at 1.5× the dpi).
FIGURE_HEIGHT_IN = 4.8
POINTS_PER_INCH = 72
TITLE_PT = 15
LABEL_PT = 11
TICK_PT = 10
LEGEND_PT = 11
CONTOUR_LEVELS = 24
CONTOUR_LINE_ALPHA = 0.35  # faint iso-lines help read the shape without hiding the paths
MAP_TO_LOSS_WIDTH = 1.7  # the map is the main picture; the loss panel beside it is narrower
LOG_LOSS_MIN_DECADES = 2  # a loss axis spanning more than this many decades is drawn on a log scale
LOG_LOSS_FLOOR_DECADES = 12  # below max·1e-12 a log loss axis shows nothing a student can use
LEGEND_CHAR_WIDTH_EM = 0.6  # average DejaVu Sans character width, to choose how many legend columns fit
LEGEND_COLUMN_GAP_CHARS = 5  # handle and spacing beside each legend label
MINIMUM_MARKER = dict(marker="*", markersize=16, markerfacecolor="white", markeredgecolor="black",
                      markeredgewidth=1.0, linestyle="none")
LOCAL_MINIMUM_MARKER = dict(marker="*", markersize=10, markerfacecolor="none", markeredgecolor="white",
                            markeredgewidth=1.2, linestyle="none")
SADDLE_MARKER = dict(marker="X", markersize=11, markerfacecolor="white", markeredgecolor="black",
                     markeredgewidth=0.8, linestyle="none")
START_MARKER = dict(marker="o", markersize=10, markerfacecolor="none", markeredgecolor="white",
                    markeredgewidth=1.8, linestyle="none")

Box = tuple[int, int, int, int]  # (left, top, right, bottom) in image pixels, top-left origin


@dataclass(frozen=True)
class Panel:
    """One axes of the static picture: its pixel box and data → panel-pixel mapping."""

    box: Box
    to_pixels: Callable[[np.ndarray], np.ndarray]  # (n, 2) data coordinates → (n, 2) pixels inside box


@dataclass(frozen=True)
class LossAxis:
    limits: tuple[float, float]
    log: bool


@dataclass(frozen=True)
class StaticPicture:
    image: Image.Image
    map_panel: Panel
    loss_panel: Panel | None
    loss_axis: LossAxis | None
    counter_anchor: tuple[int, int]  # right end, vertical middle of the title row: where the step counter goes
    dpi: float

    def px(self, points: float) -> int:
        """Typographic points → pixels at this picture's dpi (at least one pixel)."""
        return max(1, round(points * self.dpi / POINTS_PER_INCH))


def loss_axis(curves: list[np.ndarray]) -> LossAxis:
    """y-limits and scale for the loss panel: log when every loss is positive and they span decades."""
    finite = np.concatenate([c[np.isfinite(c)] for c in curves] or [np.zeros(1)])
    low, high = float(finite.min()), float(finite.max())
    if low > 0 and np.log10(high / low) > LOG_LOSS_MIN_DECADES:
        low = max(low, high * 10.0 ** -LOG_LOSS_FLOOR_DECADES)
        return LossAxis((low / 2, high * 2), log=True)
    pad = 0.05 * (high - low) or 1.0
    return LossAxis((low - pad, high + pad), log=False)


def _style(theme: Theme) -> dict:
    return {"font.family": "DejaVu Sans", "text.color": theme.foreground, "axes.labelcolor": theme.foreground,
            "xtick.color": theme.foreground, "ytick.color": theme.foreground,
            "axes.edgecolor": theme.foreground, "axes.facecolor": theme.background,
            "xtick.labelsize": TICK_PT, "ytick.labelsize": TICK_PT, "axes.labelsize": LABEL_PT}


def _panel(ax, height: int) -> Panel:
    """The pixel box of ``ax`` and a mapping from its data coordinates into that box (top-left origin)."""
    extent = ax.get_window_extent()
    left, right = int(np.ceil(extent.x0)), int(np.floor(extent.x1))
    top, bottom = int(np.ceil(height - extent.y1)), int(np.floor(height - extent.y0))
    transform = ax.transData.frozen()

    def to_pixels(points: np.ndarray) -> np.ndarray:
        display = transform.transform(np.asarray(points, dtype=np.float64))
        return np.column_stack([display[:, 0] - left, height - display[:, 1] - top])

    return Panel((left, top, right, bottom), to_pixels)


def _legend_columns(labels: list[str], width_px: int, font_px: float) -> int:
    chars_per_row = width_px / (font_px * LEGEND_CHAR_WIDTH_EM)
    widest = max(len(label) for label in labels) + LEGEND_COLUMN_GAP_CHARS
    return int(max(1, min(len(labels), chars_per_row // widest)))


def _draw_map(ax, scene, theme: Theme) -> None:
    ax.contourf(scene.xs, scene.ys, scene.zs, levels=CONTOUR_LEVELS, cmap=theme.colorscale.lower())
    ax.contour(scene.xs, scene.ys, scene.zs, levels=CONTOUR_LEVELS, colors="white",
               linewidths=0.5, alpha=CONTOUR_LINE_ALPHA)
    for points, style in ((scene.local_minima, LOCAL_MINIMUM_MARKER), (scene.minima, MINIMUM_MARKER),
                          (scene.saddles, SADDLE_MARKER), (scene.starts, START_MARKER)):
        if points:
            xs, ys = zip(*points)
            ax.plot(xs, ys, **style)
    ax.set_xlim(scene.xs[0], scene.xs[-1])
    ax.set_ylim(scene.ys[0], scene.ys[-1])
    ax.set_xlabel(scene.x_label)
    ax.set_ylabel(scene.y_label)


def _draw_loss_axes(ax, scene, theme: Theme) -> LossAxis:
    axis = loss_axis([path.losses for path in scene.paths])
    if axis.log:
        ax.set_yscale("log")
    ax.set_ylim(*axis.limits)
    ax.set_xlim(0, scene.steps)
    ax.set_xlabel("step")
    ax.set_ylabel(scene.loss_label)
    ax.grid(True, color=theme.grid, linewidth=0.6)
    return axis


def draw_static(scene, theme: Theme, size: tuple[int, int], loss_panel: bool) -> StaticPicture:
    """Render the unchanging part of every frame of ``scene`` (a :class:`viz.export.Scene`)."""
    import matplotlib

    width, height = size
    dpi = height / FIGURE_HEIGHT_IN
    with matplotlib.rc_context(_style(theme)):
        fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, facecolor=theme.background,
                     layout="constrained")
        canvas = FigureCanvasAgg(fig)
        axes = fig.subplots(1, 2, width_ratios=[MAP_TO_LOSS_WIDTH, 1]) if loss_panel else [fig.subplots()]
        _draw_map(axes[0], scene, theme)
        axis = _draw_loss_axes(axes[1], scene, theme) if loss_panel else None
        title = fig.suptitle(scene.title, x=0.01, ha="left", fontsize=TITLE_PT, fontweight="bold")
        labels = [path.legend_label for path in scene.paths]
        handles = [Line2D([], [], color=path.color, linewidth=3) for path in scene.paths]
        fig.legend(handles, labels, loc="outside lower center", frameon=False, fontsize=LEGEND_PT,
                   ncols=_legend_columns(labels, width, LEGEND_PT * dpi / POINTS_PER_INCH))
        canvas.draw()
        image = Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3].copy())
        title_box = title.get_window_extent()
        anchor = (width - round(0.01 * width), round(height - (title_box.y0 + title_box.y1) / 2))
        return StaticPicture(image, _panel(axes[0], height), _panel(axes[1], height) if loss_panel else None,
                             axis, anchor, dpi)
