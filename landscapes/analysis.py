"""What can honestly be said about a user's function: where it has no value, where its lowest point on the
map is, and whether it keeps falling past the map's edge.

Nothing is assumed: every sentence reports a computation on grids (the map, then boxes 10× and 100× as wide,
centred on the same point), so it is true of the function as sampled. A lowest grid value strictly inside the
map is reported as the map's lowest point; one on the edge is followed outwards.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from landscapes.grid import evaluate_grid
from landscapes.registry import Surface

RESOLUTION = 201  # points per axis: fine enough to place a minimum within 1 % of the map's width
WIDER = (10.0, 100.0)  # the boxes searched past the edge, as multiples of the map's size


@dataclass(frozen=True)
class Lowest:
    """The lowest finite grid value ``value`` at (x, y); whether it lies on the grid's edge, or next to a grid
    point where the function has no finite value."""

    x: float
    y: float
    value: float
    on_edge: bool
    by_undefined: bool


@dataclass(frozen=True)
class Analysis:
    undefined_share: float  # share of the map's grid points where f has no finite value
    lowest: Lowest | None  # on the map; None when f has no finite value anywhere on it
    beyond: Lowest | None  # the lowest point of the widest box that goes lower than the map, if any


def _lowest(surface: Surface, centre: np.ndarray, half: np.ndarray) -> tuple[Lowest | None, float]:
    xs = np.linspace(centre[0] - half[0], centre[0] + half[0], RESOLUTION)
    ys = np.linspace(centre[1] - half[1], centre[1] + half[1], RESOLUTION)
    zs = evaluate_grid(surface.sid, xs, ys, surface.param_vector())
    finite = np.isfinite(zs)
    if not finite.any():
        return None, 1.0
    i, j = np.unravel_index(np.argmin(np.where(finite, zs, np.inf)), zs.shape)
    on_edge = i in (0, RESOLUTION - 1) or j in (0, RESOLUTION - 1)
    by_undefined = not finite[max(i - 1, 0):i + 2, max(j - 1, 0):j + 2].all()
    return (Lowest(float(xs[j]), float(ys[i]), float(zs[i, j]), bool(on_edge), bool(by_undefined)),
            float(1.0 - finite.mean()))


def analyse(surface: Surface) -> Analysis:
    """Sample ``surface`` on its map, and past the edge when the map's lowest value lies on it."""
    (x_min, x_max), (y_min, y_max) = surface.domain
    centre = np.array([(x_min + x_max) / 2, (y_min + y_max) / 2])
    half = np.array([(x_max - x_min) / 2, (y_max - y_min) / 2])
    lowest, undefined = _lowest(surface, centre, half)
    beyond = None
    if lowest is not None and lowest.on_edge:
        for factor in WIDER:
            wider, _ = _lowest(surface, centre, half * factor)
            if wider is not None and wider.value < lowest.value:
                beyond = wider
    return Analysis(undefined, lowest, beyond)


def _at(point: Lowest) -> str:
    return f"f = {point.value:.4g} at ({point.x:.3g}, {point.y:.3g})"


def describe(surface: Surface) -> str:
    """One or two sentences about the lowest point and the undefined region of ``surface``, from
    :func:`analyse`."""
    facts = analyse(surface)
    sentences = []
    if facts.lowest is None:
        return "This function has no finite value anywhere on the map."
    if facts.undefined_share > 0:
        sentences.append(f"It has no finite value on {facts.undefined_share:.0%} of the map (grey)."
                         if facts.undefined_share >= 0.005 else "It has no finite value at some points of the map.")
    if facts.lowest.by_undefined:
        sentences.append(f"Its lowest sampled value lies next to where it has no finite value, so it falls "
                         f"towards that edge ({_at(facts.lowest)} on a {RESOLUTION} × {RESOLUTION} grid).")
    elif not facts.lowest.on_edge:
        sentences.append(f"Its lowest value on the map is {_at(facts.lowest)}.")
    elif facts.beyond is not None:
        sentences.append(f"Its lowest value on the map is on the map's edge ({_at(facts.lowest)}), and it keeps "
                         f"falling outside the map: {_at(facts.beyond)}.")
    else:
        sentences.append(f"Its lowest value on the map is on the map's edge: {_at(facts.lowest)}.")
    return " ".join(sentences)
