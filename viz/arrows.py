"""Arrows that show what an optimizer is about to do at one step: gradient, update and velocity.

At point index s (the position after s updates) the arrows describe update s+1: the direction of steepest
descent −g (drawn at a fixed length, since raw gradients range from 1e-6 to 1e6), the actual update to scale,
and for momentum methods the velocity carried over from earlier steps, to scale.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from simulation.diagnostics import velocities
from simulation.engine import Result
from viz.paths import PathTrace

GRADIENT_ARROW_FRACTION = 0.12  # −g is drawn this fraction of the map's diagonal long
ARROW_HEAD_SIZE = 11
GRADIENT_COLOR = "#FFFFFF"
# (name, dash style) per arrow kind; the update and velocity arrows take the path's colour.
ARROW_KINDS = {"gradient": ("−gradient (direction only)", "dot"),
               "update": ("update (to scale)", "solid"),
               "velocity": ("velocity carried over (to scale)", "dash")}


@dataclass(frozen=True, eq=False)
class StepVectors:
    """Per-update vectors of one path: row s belongs to update s+1, taken from point s. Shapes (n, 2)."""

    gradients: np.ndarray
    updates: np.ndarray
    velocities: np.ndarray | None = None


def vectors_from_result(result: Result) -> list[StepVectors]:
    """Gradients, updates and (for momentum methods) velocities of every run; needs recorded state."""
    return [StepVectors(result.grads[k], result.updates[k], velocities(result, k))
            for k in range(len(result.settings.runs))]


def arrow_trace(origin: np.ndarray, vector: np.ndarray | None, kind: str, color: str, **axes) -> go.Scatter:
    """One arrow from ``origin`` along ``vector`` (a line with an arrow head); empty when there is none."""
    label, dash = ARROW_KINDS[kind]
    valid = vector is not None and np.all(np.isfinite(vector)) and np.all(np.isfinite(origin))
    xs, ys = ([origin[0], origin[0] + vector[0]], [origin[1], origin[1] + vector[1]]) if valid else ([], [])
    return go.Scatter(
        x=xs, y=ys, mode="lines+markers", name=label, showlegend=False,
        line=dict(color=color, width=2.5, dash=dash),
        marker=dict(symbol="arrow", size=[0, ARROW_HEAD_SIZE], angleref="previous", color=color),
        hoverinfo="skip", **axes)


def step_arrow_traces(path: PathTrace, vectors: StepVectors, s: int, diagonal: float,
                      **axes) -> list[go.Scatter]:
    """Gradient, update and (if any) velocity arrows of ``path`` at point index ``s``.

    They stay out of the legend (a white arrow is invisible there); the page explains them in words.
    """
    has_next = s < min(len(vectors.updates), path.n_points - 1)
    origin = path.xy[min(s, path.n_points - 1)]
    gradient = update = velocity = None
    if has_next:
        g = vectors.gradients[s]
        norm = float(np.hypot(*g))
        gradient = -g / norm * GRADIENT_ARROW_FRACTION * diagonal if norm > 0 else None
        update = vectors.updates[s]
        velocity = None if vectors.velocities is None else vectors.velocities[s]
    traces = [arrow_trace(origin, gradient, "gradient", GRADIENT_COLOR, **axes),
              arrow_trace(origin, update, "update", path.color, **axes)]
    if vectors.velocities is not None:
        traces.append(arrow_trace(origin, velocity, "velocity", path.color, **axes))
    return traces


def map_diagonal(xs: Sequence[float], ys: Sequence[float]) -> float:
    return float(np.hypot(xs[-1] - xs[0], ys[-1] - ys[0]))
