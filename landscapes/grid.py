"""A surface evaluated on a regular grid, for contour maps and 3D views.

The kernel receives the surface *id* and calls :func:`landscapes.surfaces.value` inside jitted code, so no
function object is ever passed to Numba (that would defeat its on-disk cache).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from landscapes import surfaces
from landscapes.registry import get_surface

DEFAULT_RESOLUTION = 90  # points per axis: smooth contours, and only ~32 kB of float32 values to send


@njit(cache=True, nogil=True)
def evaluate_grid(sid, xs, ys, c):
    """f(xs[j], ys[i]) of surface ``sid`` as an array of shape (len(ys), len(xs)), as Plotly expects."""
    out = np.empty((ys.size, xs.size))
    for i in range(ys.size):
        for j in range(xs.size):
            out[i, j] = surfaces.value(sid, xs[j], ys[i], c)
    return out


@dataclass(frozen=True)
class SurfaceGrid:
    """Grid coordinates and values: ``zs[i, j] = f(xs[j], ys[i])``."""

    xs: np.ndarray
    ys: np.ndarray
    zs: np.ndarray


def surface_grid(surface: str, resolution: int = DEFAULT_RESOLUTION,
                 surface_params: tuple[tuple[str, float], ...] = ()) -> SurfaceGrid:
    """Evaluate the registered ``surface`` over its plotting domain at ``resolution`` points per axis."""
    spec = get_surface(surface)
    (x_min, x_max), (y_min, y_max) = spec.domain
    xs = np.linspace(x_min, x_max, resolution)
    ys = np.linspace(y_min, y_max, resolution)
    c = spec.param_vector(dict(surface_params))
    return SurfaceGrid(xs, ys, evaluate_grid(spec.sid, xs, ys, c))
