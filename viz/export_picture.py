"""What an exported frame's unchanging picture is made of: the panels' pixel boxes and mappings, the loss
panel's axis (the app's loss chart rule, with limits), and the picture record that
:func:`viz.export_static.draw_static` returns and the frame renderer draws on.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from PIL import Image

from viz.figures import loss_axis as app_loss_axis
from viz.scene import Scene

POINTS_PER_INCH = 72
LOSS_TITLE = "loss"
LOSS_GAP_TITLE = "loss − minimum"  # what the app plots when the minimum is known
LOG_LOSS_PAD = 2.0  # factor of headroom above and below the curves on a log axis
LINEAR_LOSS_PAD = 0.05  # share of the loss range added above and below on a linear axis

Box = tuple[int, int, int, int]  # (left, top, right, bottom) in image pixels, top-left origin


@dataclass(frozen=True)
class Panel:
    """One axes of the static picture: its pixel box and data → panel-pixel mapping."""

    box: Box
    to_pixels: Callable[[np.ndarray], np.ndarray]  # (n, 2) data coordinates → (n, 2) pixels inside box


@dataclass(frozen=True)
class LossAxis:
    """What the loss panel plots (one series per path, finite part only) and how its y axis is set."""

    series: list[np.ndarray]
    limits: tuple[float, float]
    log: bool
    title: str


@dataclass(frozen=True)
class StaticPicture:
    """The rendered background and where the moving parts go on it."""

    image: Image.Image
    map_panel: Panel
    loss_panel: Panel | None
    loss_axis: LossAxis | None
    marker_overlay: Image.Image  # RGBA, map-panel sized: minima, saddles and starts, pasted above the paths
    counter_anchor: tuple[int, int]  # right end, vertical middle of the title row: where the step counter goes
    dpi: float
    counter_px: int  # the step counter's font size, matching the room kept for it

    def px(self, points: float) -> int:
        """Typographic points → pixels at this picture's dpi."""
        return px(points, self.dpi)


def px(points: float, dpi: float) -> int:
    """Typographic points → whole pixels at ``dpi`` (at least one)."""
    return max(1, round(points * dpi / POINTS_PER_INCH))


def loss_axis(scene: Scene) -> LossAxis:
    """The app's loss chart rule (f − f_min on a log axis when the minimum is known), with y-limits.

    A diverged run's exploding losses set no limit (only its start does), so the other curves keep their
    detail and the diverged one leaves the panel at the top — unless every run diverged.
    """
    series, log, _ = app_loss_axis(scene.paths, scene.min_value)
    title = LOSS_GAP_TITLE if scene.min_value is not None else LOSS_TITLE
    steady = [s if p.diverged_at is None else s[:1] for p, s in zip(scene.paths, series)]
    shown = steady if any(p.diverged_at is None for p in scene.paths) else series
    finite = np.concatenate([s[np.isfinite(s)] for s in shown] + [np.empty(0)])
    if finite.size == 0:
        return LossAxis(series, (0.0, 1.0), False, title)
    low, high = float(finite.min()), float(finite.max())
    if log:
        return LossAxis(series, (low / LOG_LOSS_PAD, high * LOG_LOSS_PAD), True, title)
    pad = LINEAR_LOSS_PAD * (high - low) or 1.0
    return LossAxis(series, (low - pad, high + pad), False, title)
