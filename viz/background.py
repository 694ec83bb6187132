"""The loss map as a picture: filled contour bands with thin lighter lines, as a Plotly layout image.

Why a picture and not a contour trace: animated Plotly figures cannot carry one (while frames play, plotly.js
removes contour and heatmap traces with ``redraw=False`` and rebuilds them every frame, flickering, with
``redraw=True``), and on the static map it makes every slider-driven redraw cheaper, because the browser
only re-places the picture instead of recomputing every contour line.
"""
from __future__ import annotations

import base64
import io
from functools import lru_cache

import numpy as np
import plotly.colors
from PIL import Image

IMAGE_PIXELS = 400  # per axis: sharp band edges at typical figure sizes, a few tens of kB as a banded PNG
LINE_BLEND = 0.35  # how strongly band edges are lightened towards white (like the contour lines)
LUT_SIZE = 256
UNDEFINED_RGB = (190, 190, 190)  # where the function has no finite value (log(x) for x < 0): plain grey
CACHED_PICTURES = 32  # encoded maps kept per process (~25 kB each): one per surface in use


@lru_cache(maxsize=4)
def _lookup_table(colorscale: str) -> np.ndarray:
    """(LUT_SIZE, 3) uint8 colours sampled evenly from a named Plotly colour scale."""
    samples = plotly.colors.sample_colorscale(colorscale, list(np.linspace(0.0, 1.0, LUT_SIZE)))
    rgb = [tuple(int(float(c)) for c in s[s.index("(") + 1:-1].split(",")) for s in samples]
    return np.array(rgb, dtype=np.uint8)


def _resample(values: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Bilinear resampling of a 2D array to (rows, cols), separable along each axis."""
    src_rows, src_cols = values.shape
    col_pos = np.linspace(0, src_cols - 1, cols)
    across = np.stack([np.interp(col_pos, np.arange(src_cols), row) for row in values])
    row_pos = np.linspace(0, src_rows - 1, rows)
    return np.stack([np.interp(row_pos, np.arange(src_rows), col) for col in across.T], axis=1)


def banded_image(values: np.ndarray, colorscale: str, n_bands: int, pixels: int = IMAGE_PIXELS) -> Image.Image:
    """``values`` (rows = y ascending) as a filled-contour picture with lightened band edges; cells without a
    finite value are grey."""
    defined = np.isfinite(values)
    finite = np.where(defined, values, np.nanmax(np.where(defined, values, np.nan)) if defined.any() else 0.0)
    fine = _resample(finite, pixels, pixels)[::-1]  # image rows run top (max y) to bottom
    undefined = _resample((~defined).astype(float), pixels, pixels)[::-1] > 0.5
    low, high = float(fine.min()), float(fine.max())
    norm = (fine - low) / (high - low) if high > low else np.zeros_like(fine)
    bands = np.minimum((norm * n_bands).astype(int), n_bands - 1)
    band_centres = (bands + 0.5) / n_bands
    rgb = _lookup_table(colorscale)[np.minimum((band_centres * LUT_SIZE).astype(int), LUT_SIZE - 1)]
    edge = np.zeros(bands.shape, dtype=bool)
    edge[:, 1:] |= bands[:, 1:] != bands[:, :-1]
    edge[1:, :] |= bands[1:, :] != bands[:-1, :]
    rgb = rgb.astype(np.float32)
    rgb[edge] += (255.0 - rgb[edge]) * LINE_BLEND
    rgb[undefined] = UNDEFINED_RGB
    return Image.fromarray(rgb.astype(np.uint8), mode="RGB")


@lru_cache(maxsize=CACHED_PICTURES)
def _png_source(values: bytes, shape: tuple[int, int], colorscale: str, n_bands: int) -> str:
    """The picture as a PNG data URI, remembered per grid: every slider move redraws the same surface, and
    encoding costs more than building the rest of the figure."""
    grid = np.frombuffer(values, dtype=np.float64).reshape(shape)
    buffer = io.BytesIO()
    banded_image(grid, colorscale, n_bands).save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def background_image(xs: np.ndarray, ys: np.ndarray, values: np.ndarray, colorscale: str, n_bands: int,
                     xref: str = "x", yref: str = "y") -> dict:
    """A Plotly layout image covering the grid's extent on axes ``xref``/``yref``, drawn below the traces."""
    grid = np.ascontiguousarray(values, dtype=np.float64)
    source = _png_source(grid.tobytes(), grid.shape, colorscale, n_bands)
    return dict(source=source, xref=xref, yref=yref, x=float(xs[0]), y=float(ys[-1]),
                sizex=float(xs[-1] - xs[0]), sizey=float(ys[-1] - ys[0]), sizing="stretch",
                layer="below", xanchor="left", yanchor="top")
