"""How a stability map colours its cells: the colour modes, the outcome classes with their colours, and one colour
layer per mode (values, colour scale and colour-bar ticks). ``viz/stability.py`` draws the layers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulation.outcomes import EXPLOSION_FACTOR, explosion_limit, loss_gap
from simulation.sweep import SweepResult
from viz.figures import COLORSCALE, LOSS_GAP_FLOOR

# What the cells can be coloured by (key → menu label).
COLOR_MODES = {"final_loss": "Final loss (log)", "steps": "Steps to converge", "outcome": "Outcome"}

# Outcome classes for the "outcome" colouring, best first, with their colours (Okabe–Ito where possible).
REACHED, DESCENDING, WORSE, EXPLODED, DIVERGED = range(5)
OUTCOMES = (("reached the minimum", "#009E73"), ("still descending", "#56B4E9"),
            ("ended higher than it started", "#E69F00"),
            (f"exploded (loss past {EXPLOSION_FACTOR:.0e}× its start)", "#CC79A7"), ("diverged", "#B2182B"))
NEVER_REACHED = ("never reached the minimum", "#D0D0D0")
DIVERGED_COLOR = OUTCOMES[DIVERGED][1]
MAX_COLORBAR_TICKS = 6


def outcome_classes(result: SweepResult, min_value: float | None) -> np.ndarray:
    """Each cell's outcome class (``REACHED`` … ``DIVERGED``), shaped like the result's arrays (exploded as
    :mod:`simulation.outcomes` defines it, from the final loss)."""
    classes = np.full(result.final_loss.shape, DESCENDING)
    classes[~(result.final_loss < result.start_loss)] = WORSE
    start_gap = loss_gap(np.array(result.start_loss), min_value)
    classes[loss_gap(result.final_loss, min_value) > explosion_limit(start_gap)] = EXPLODED
    classes[result.steps_to_tolerance >= 0] = REACHED
    classes[result.diverged_at >= 0] = DIVERGED
    return classes


@dataclass(frozen=True)
class Layer:
    """The colour layer of one mode: values (NaN = not coloured), colour-bar title and ticks."""

    z: np.ndarray
    title: str
    colorscale: object = COLORSCALE
    tickvals: tuple | None = None
    ticktext: tuple | None = None
    zmin: float | None = None
    zmax: float | None = None
    show_scale: bool = True


def final_loss_layer(result: SweepResult, min_value: float | None) -> Layer:
    """log10 of the final loss above the minimum (ticks in powers of ten); raw loss when no minimum is known.

    The colours stop at the start's loss: runs that ended higher all share the top colour, so a few runs that
    almost diverged (losses of 1e100 and more) do not squeeze every other cell into one colour.
    """
    if min_value is None:
        return signed_log_layer(result.final_loss)
    gap = np.log10(np.maximum(result.final_loss - min_value, LOSS_GAP_FLOOR))
    finite = gap[np.isfinite(gap)]
    top = math.ceil(math.log10(max(result.start_loss - min_value, LOSS_GAP_FLOOR)))
    low = math.floor(finite.min()) if finite.size else top - 1
    high = max(top, low + 1)
    ticks = tuple(range(low, high + 1, max(1, (high - low) // MAX_COLORBAR_TICKS)))
    labels = tuple(f"1e{t}" for t in ticks[:-1]) + (f"≥ 1e{ticks[-1]}",)
    return Layer(gap, "final loss − minimum", tickvals=ticks, ticktext=labels, zmin=low, zmax=high)


def signed_log_layer(final_loss: np.ndarray) -> Layer:
    """sign(f)·log10(1 + |f|), for surfaces without a minimum: runs that slide gently downhill and runs that
    race towards −∞ (losses of −1e100 and beyond) both stay readable. Ticks are labelled in loss units."""
    z = np.sign(final_loss) * np.log10(1.0 + np.abs(final_loss))
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        return Layer(z, "final loss")
    low, high = math.floor(finite.min()), math.ceil(finite.max())
    high = max(high, low + 1)
    ticks = tuple(range(low, high + 1, max(1, (high - low) // MAX_COLORBAR_TICKS)))
    labels = tuple(f"{math.copysign(10.0 ** abs(t) - 1.0, t):.3g}" for t in ticks)
    return Layer(z, "final loss (signed log scale)", tickvals=ticks, ticktext=labels, zmin=low, zmax=high)


def steps_layer(result: SweepResult) -> Layer:
    """The first step at which the loss was within tolerance of the minimum (NaN where never)."""
    steps = result.steps_to_tolerance.astype(float)
    steps[(result.steps_to_tolerance < 0) | (result.diverged_at >= 0)] = np.nan
    return Layer(steps, "steps to reach the minimum")


def outcome_layer(result: SweepResult, min_value: float | None) -> Layer:
    """One discrete colour per outcome class (the legend names them, so no colour bar)."""
    n = len(OUTCOMES)
    scale = []
    for k, (_, color) in enumerate(OUTCOMES):
        scale += [(k / n, color), ((k + 1) / n, color)]
    return Layer(outcome_classes(result, min_value).astype(float), "outcome", scale, zmin=-0.5, zmax=n - 0.5,
                 show_scale=False)


def color_layer(result: SweepResult, color_by: str, min_value: float | None) -> Layer:
    if color_by == "steps":
        return steps_layer(result)
    if color_by == "outcome":
        return outcome_layer(result, min_value)
    return final_loss_layer(result, min_value)
