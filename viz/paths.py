"""Plain data for what the figures draw: optimizer paths and marked points, independent of any surface.

The 2D playground builds these from a :class:`~simulation.engine.Result`; the MNIST landscape page builds
them from its own trajectories. Figures in :mod:`viz.figures` only ever see these types.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from landscapes.registry import Surface
from simulation.outcomes import EXPLODED, RAN, Ending, run_ending
from simulation.engine import Result
from viz.theme import run_colors

# |x| and |y| of drawn positions stay within this: a diverging run reaches 1e100 and beyond, and browsers refuse
# SVG coordinates that large (Plotly writes them in exponent notation). Far off any map either way.
DRAW_LIMIT = 1e12
# Points per path sent to the browser. Long runs are thinned to about this many points; more would only
# grow the page payload without a visible difference at screen resolution.
MAX_PATH_POINTS = 600


def within_draw_limit(xy: np.ndarray, limit: float = DRAW_LIMIT) -> np.ndarray:
    """``xy`` (n, 2) with every row beyond ``limit`` (in either coordinate) pulled in to it.

    The first such row moves back along the step that took it there, so the path leaves the map in its true
    direction; later rows are clipped (they are all far off the map). Non-finite rows stay as they are.
    """
    outside = np.isfinite(xy).all(axis=1) & (np.abs(xy).max(axis=1) > limit)
    if not outside.any():
        return xy
    bounded = xy.copy()
    bounded[outside] = np.clip(xy[outside], -limit, limit)
    first = int(np.argmax(outside))
    if first > 0:
        previous, step = xy[first - 1], xy[first] - xy[first - 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            reach = np.where(step != 0, (np.sign(step) * limit - previous) / step, np.inf)
        bounded[first] = previous + min(1.0, float(np.nanmin(reach))) * step
    return bounded


@dataclass(frozen=True, eq=False)
class PathTrace:
    """One optimizer's path: ``xy`` (n, 2) positions after 0 … n−1 updates, ``losses`` (n,) or None.

    Rows after a divergence may be NaN; they are dropped when drawn. ``diverged_at`` is the step at which
    the run left the finite world (shown on the end marker), or None. ``steps`` (n,) gives the update count
    of each row when rows are not one per update (the MNIST page keeps a few weight snapshots per epoch).
    Positions beyond ``DRAW_LIMIT`` are pulled in to it (see :func:`within_draw_limit`).
    """

    label: str
    color: str
    xy: np.ndarray
    losses: np.ndarray | None = None
    diverged_at: int | None = None
    steps: np.ndarray | None = None
    dash: str = "solid"  # Plotly line dash: optimizers of similar colour differ in dash
    ending: Ending = Ending(RAN)  # a run that died is drawn up to the step where it died

    def __post_init__(self) -> None:
        object.__setattr__(self, "xy", within_draw_limit(np.asarray(self.xy, dtype=np.float64)))

    def step_numbers(self, rows: np.ndarray) -> np.ndarray:
        """The update count at each of ``rows``."""
        return rows if self.steps is None else np.asarray(self.steps)[rows]

    @property
    def n_points(self) -> int:
        """How many leading rows are drawn: the finite ones, up to and including the step where an exploded
        run blew up."""
        finite = np.isfinite(self.xy).all(axis=1)
        bad = np.flatnonzero(~finite)
        n = int(bad[0]) if bad.size else len(self.xy)
        return min(n, self.ending.step + 1) if self.ending.kind == EXPLODED else n

    @property
    def died(self) -> bool:
        return self.ending.died or self.diverged_at is not None


@dataclass(frozen=True)
class Marker:
    """A labelled point on the map. ``kind`` is one of ``MARKER_STYLES``' keys."""

    label: str
    x: float
    y: float
    kind: str = "minimum"


# kind → (Plotly marker symbol, fill colour, size); gold stars stand out on every colour scale used here.
MARKER_STYLES: dict[str, tuple[str, str, int]] = {
    "minimum": ("star", "#FFD700", 17),
    "local minimum": ("star-open", "#FFD700", 13),
    "saddle": ("x", "#FFFFFF", 12),
    "start": ("circle", "#FFFFFF", 13),
}


def thinned_indices(n: int, max_points: int = MAX_PATH_POINTS) -> np.ndarray:
    """Indices 0 … n−1 thinned to about ``max_points``, always keeping the first and last point.

    The stride is kept odd: gradient descent on a ravine alternates sides every step, and an even stride
    would pick only one side and draw a smooth path where the real one zig-zags.
    """
    if n <= max_points:
        return np.arange(n)
    stride = -(-n // max_points)
    if stride % 2 == 0:
        stride += 1
    picked = np.arange(0, n, stride)
    return picked if picked[-1] == n - 1 else np.append(picked, n - 1)


def paths_from_result(result: Result) -> list[PathTrace]:
    """One :class:`PathTrace` per run, coloured and dashed by optimizer (the same in every view)."""
    colors = run_colors([r.optimizer for r in result.settings.runs])
    min_value = result.settings.surface_spec.min_value
    endings = [run_ending(result.losses[k], result.diverged_at[k], min_value, result.stops[k])
               for k in range(len(result.settings.runs))]
    return [PathTrace(run.label, color, result.positions[k], result.losses[k], result.diverged_at[k],
                      dash=run.spec.dash, ending=ending)
            for k, (run, color, ending) in enumerate(zip(result.settings.runs, colors, endings))]


def surface_markers(surface: Surface, start: Sequence[float] | None = None) -> list[Marker]:
    """Global and local minima, saddles and (optionally) the start point of a registered surface."""
    markers = [Marker("global minimum", x, y, "minimum") for x, y in surface.minima]
    markers += [Marker("local minimum", x, y, "local minimum") for x, y in surface.local_minima]
    markers += [Marker("saddle point", x, y, "saddle") for x, y in surface.saddles]
    if start is not None:
        markers.append(Marker("start", float(start[0]), float(start[1]), "start"))
    return markers
