"""The MNIST loss landscape: a 2D plane through weight space, the loss on a grid over it, and the paths on it.

The plane and the paths on it are built in ``mnist/landscape_plane.py``; here the grid over it is framed and
the loss evaluated at every grid point.

The grid is cheap because the first layer is linear in (W1, b1): its pre-activations are
Z(a, b) = Z(c) + a·Z(d1) + b·Z(d2), with Z(v) = x̃·W1(v) + b1(v). The three products are computed once; each
grid point then costs a ReLU of that combination and the small second layer.
"""
from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numba import njit

from cores import usable_cores
from mnist import model
from mnist.landscape_plane import MIN_SPAN, Plane, make_plane
from mnist.model import N_CLASSES, Layout
from mnist.train import TrainResult
from validation import parse_int

DEFAULT_RESOLUTION = 41
MAX_RESOLUTION = 201
DEFAULT_SAMPLES = 10_000
GRID_MARGIN = 0.25  # the grid extends a quarter of the paths' span beyond them on every side
RANDOM_EXTENT = 1.0  # a random plane's paths barely register, so show Li et al.'s [-1, 1]² box instead
EXP_FLOOR = -32.0  # exp(−32) ≈ 1e-14: invisible in a float32 sum that also holds exp(0) = 1
GRID_JIT = model.FAST
INLINE = dict(model.FAST, inline="always")
MAX_GRID_THREADS = 4  # the kernel releases the GIL: grid rows are split over this many threads at most
# Samples whose pre-activation rows stay in cache while every grid point uses them; at most 300, because a
# block's product of per-sample sums (each ≤ 10) must stay below float64's 1.8e308.
SAMPLE_BLOCK = 256


@dataclass(frozen=True)
class Landscape:
    """A plane with the loss on its grid: zs[j, i] is the loss at (xs[i], ys[j])."""

    plane: Plane
    xs: np.ndarray
    ys: np.ndarray
    zs: np.ndarray
    n_samples: int


def grid_axes(plane: Plane, resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """Grid coordinates covering every path and the centre with a margin (or [-1, 1]² for a random plane)."""
    points = np.concatenate([plane.paths[list(plane.trained)].reshape(-1, 2), np.zeros((1, 2))])
    low, high = points.min(axis=0), points.max(axis=0)
    span = high - low
    if plane.method == "random" or span.max() < MIN_SPAN:
        low, high = np.full(2, -RANDOM_EXTENT), np.full(2, RANDOM_EXTENT)
    else:
        span = np.maximum(span, span.max() * GRID_MARGIN)  # a flat box would hide the other direction
        low, high = low - GRID_MARGIN * span, high + GRID_MARGIN * span
    return np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)


@njit(**INLINE)
def _exp_nonpositive(x):
    """exp(x) for x ≤ 0 in float32 with straight-line arithmetic, so LLVM can vectorise it (Numba has no vector
    exp without Intel's SVML; the scalar exp took 60% of the grid's time). exp(x) = (exp(x/256))^256: a degree-5
    Taylor polynomial at |x/256| ≤ 1/8, then eight squarings; relative error ≤ 2e-5. x is clamped at
    EXP_FLOOR: such a term is < 1e-13 of the largest one, exp(0) = 1, and vanishes in a float32 sum anyway."""
    y = max(x, np.float32(EXP_FLOOR)) * np.float32(1.0 / 256.0)
    p = np.float32(1.0) + y * (np.float32(1.0) + y * (np.float32(1.0 / 2.0) + y * (
        np.float32(1.0 / 6.0) + y * (np.float32(1.0 / 24.0) + y * np.float32(1.0 / 120.0)))))
    p = p * p
    p = p * p
    p = p * p
    p = p * p
    p = p * p
    p = p * p
    p = p * p
    return p * p


@njit(**GRID_JIT)
def grid_losses(z0, z1, z2, w2c, e1, e2, b2c, f1, f2, labels, xs, ys, rows, out):
    """out[j, i] = mean cross-entropy at (xs[i], ys[j]) for every j in ``rows``, given the first layer's
    pre-activations along the plane (z0 + a·z1 + b·z2, each (n, H)) and the second layer's weights
    W2 = w2c + a·e1 + b·e2, b2 = b2c + a·f1 + b·f2.

    Per sample: L = logsumexp(o) − o[y] = top − o[y] + log Σ_c exp(o_c − top), top = max_c o_c. Samples go in
    blocks whose pre-activations stay in cache while every grid point of the rows reuses them; a block's
    exponentials are taken in one flat loop so they vectorise, and its logarithms are summed as the log of
    one product (each sum Σ_c exp(o_c − top) lies in [1, 10], so a block's product stays below 10^256, well
    inside float64) — one log per block instead of one per sample."""
    n, hidden = z0.shape
    w2 = np.empty((N_CLASSES, hidden), np.float32)
    b2 = np.empty(N_CLASSES, np.float32)
    h = np.empty(hidden, np.float32)
    shifted = np.empty((SAMPLE_BLOCK, N_CLASSES), np.float32)  # o − top, then exp(o − top)
    flat = shifted.reshape(SAMPLE_BLOCK * N_CLASSES)
    for j in rows:
        out[j, :] = 0.0
    for start in range(0, n, SAMPLE_BLOCK):
        m = min(SAMPLE_BLOCK, n - start)
        for j in rows:
            b = np.float32(ys[j])
            for i in range(xs.size):
                a = np.float32(xs[i])
                for c in range(N_CLASSES):
                    b2[c] = b2c[c] + a * f1[c] + b * f2[c]
                    for q in range(hidden):
                        w2[c, q] = w2c[c, q] + a * e1[c, q] + b * e2[c, q]
                total = 0.0
                for r in range(m):
                    s = start + r
                    z0s, z1s, z2s = z0[s], z1[s], z2[s]
                    for q in range(hidden):
                        h[q] = max(z0s[q] + a * z1s[q] + b * z2s[q], np.float32(0.0))
                    o = shifted[r]
                    top = np.float32(-np.inf)
                    for c in range(N_CLASSES):
                        acc = b2[c]
                        for q in range(hidden):
                            acc += w2[c, q] * h[q]
                        o[c] = acc
                        top = max(top, acc)
                    total += top - o[labels[s]]
                    for c in range(N_CLASSES):
                        o[c] -= top
                for e in range(m * N_CLASSES):
                    flat[e] = _exp_nonpositive(flat[e])
                product = 1.0
                for r in range(m):
                    norm = np.float32(0.0)
                    for c in range(N_CLASSES):
                        norm += shifted[r, c]
                    product *= norm
                out[j, i] += total + math.log(product)
    for j in rows:
        out[j, :] /= n


def _preactivations(vector: np.ndarray, hidden: int, images: model.SparseImages) -> np.ndarray:
    out = np.empty((len(images), hidden), dtype=np.float32)
    model.hidden_preactivations(vector.astype(np.float32), hidden, images.indptr, images.indices,
                                images.values, out)
    return out


def loss_grid(plane: Plane, hidden: int, images: model.SparseImages, xs: np.ndarray, ys: np.ndarray,
              threads: int | None = None) -> np.ndarray:
    """The mean training loss on ``images`` at every grid point of the plane (len(ys), len(xs)), computed on
    up to ``threads`` threads (default: the available CPUs, at most MAX_GRID_THREADS)."""
    layout = Layout(hidden)
    z0, z1, z2 = (_preactivations(v, hidden, images) for v in (plane.center, plane.d1, plane.d2))
    (_, _, w2c, b2c), (_, _, e1, f1), (_, _, e2, f2) = (
        layout.views(v.astype(np.float32)) for v in (plane.center, plane.d1, plane.d2))
    zs = np.empty((ys.size, xs.size))
    args = (z0, z1, z2, w2c, e1, e2, b2c, f1, f2, images.labels, xs.astype(np.float64), ys.astype(np.float64))
    workers = min(threads or usable_cores(), MAX_GRID_THREADS, ys.size)
    row_sets = [np.arange(w, ys.size, workers) for w in range(workers)]  # interleaved: equal work per thread
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda rows: grid_losses(*args, rows, zs), row_sets))
    return zs


def landscape_samples(train_images: model.SparseImages, n_samples: object, seed: int = 0) -> model.SparseImages:
    """A fixed, seeded subset of the training images on which every grid point is evaluated."""
    n_samples = parse_int("landscape samples", n_samples, 1, len(train_images))
    rows = np.sort(np.random.default_rng([seed, 3]).choice(len(train_images), n_samples, replace=False))
    return train_images.subset(rows)


def compute(result: TrainResult, train_images: model.SparseImages, method: str = "pca",
            center: str | None = None, pair: tuple[str, str] | None = None,
            resolution: object = DEFAULT_RESOLUTION, n_samples: object = DEFAULT_SAMPLES,
            seed: int = 0) -> Landscape:
    """Plane, grid and loss values for a finished training result."""
    resolution = parse_int("landscape resolution", resolution, 2, MAX_RESOLUTION)
    plane = make_plane(result, method, center, pair, seed)
    images = landscape_samples(train_images, n_samples, seed)
    xs, ys = grid_axes(plane, resolution)
    return Landscape(plane, xs, ys, loss_grid(plane, result.config.hidden, images, xs, ys), len(images))
