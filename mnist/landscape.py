"""The MNIST loss landscape: a 2D plane through weight space, the loss on a grid over it, and the paths on it.

The plane is θ(a, b) = c + a·d1 + b·d2 through a centre c (the shared initial weights, or one optimizer's final
weights), spanned by one of three pairs of directions:

- ``pca``: the two leading principal directions of every optimizer's snapshots θ_t − c (Li et al. 2018,
  "Visualizing the Loss Landscape of Neural Nets", section 7): the plane that keeps most of the movement;
- ``endpoints``: through the start and two optimizers' final weights (orthonormalised), so both paths end
  exactly on the plane;
- ``random``: two random Gaussian directions, filter-normalised (each unit's incoming weights scaled to the norm
  of that unit's weights in c; bias directions zero), as Li et al. do to compare sharpness.

A path is projected by least squares onto the plane; :attr:`Plane.explained` says how much of each run's
squared displacement Σ_t‖θ_t − c‖² the projection keeps, so students can tell a faithful picture from a
misleading one (a random plane keeps almost nothing of a path in 50,000 dimensions).

The grid is cheap because the first layer is linear in (W1, b1): its pre-activations are
Z(a, b) = Z(c) + a·Z(d1) + b·Z(d2), with Z(v) = x̃·W1(v) + b1(v). The three products are computed once; each
grid point then costs a ReLU of that combination and the small second layer.
"""
from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from numba import njit

from mnist import model
from mnist.model import N_CLASSES, Layout
from mnist.train import TrainResult
from validation import ValidationError, lookup, parse_int

PLANES = {
    "pca": "two leading PCA directions of all optimizers' trajectories",
    "endpoints": "plane through the start and two optimizers' final weights",
    "random": "two random filter-normalised directions",
}
DEFAULT_RESOLUTION = 41
MAX_RESOLUTION = 201
DEFAULT_SAMPLES = 10_000
GRID_MARGIN = 0.25  # the grid extends a quarter of the paths' span beyond them on every side
RANDOM_EXTENT = 1.0  # a random plane's paths barely register, so show Li et al.'s [-1, 1]² box instead
MIN_SPAN = 1e-6  # below this the paths are a point: fall back to RANDOM_EXTENT
EXP_FLOOR = -32.0  # exp(−32) ≈ 1e-14: invisible in a float32 sum that also holds exp(0) = 1
GRID_JIT = model.FAST
INLINE = dict(model.FAST, inline="always")
MAX_GRID_THREADS = 4  # the kernel releases the GIL: grid rows are split over this many threads at most
# Samples whose pre-activation rows stay in cache while every grid point uses them; at most 300, because a
# block's product of per-sample sums (each ≤ 10) must stay below float64's 1.8e308.
SAMPLE_BLOCK = 256


@dataclass(frozen=True)
class Plane:
    """θ(a, b) = center + a·d1 + b·d2, the runs' projected paths (k, m, 2) and the share of each run's squared
    displacement the plane captures (``explained[k]``; ``explained_total`` over the ``trained`` runs together).

    ``trained``: the runs that did not diverge. Only they shape the plane and frame the grid; a diverged run's
    weights blow up, so it would fill the picture with nothing but its own escape (its path still runs off it).
    """

    method: str
    center: np.ndarray
    d1: np.ndarray
    d2: np.ndarray
    paths: np.ndarray
    explained: np.ndarray
    explained_total: float
    description: str
    trained: tuple[int, ...]


@dataclass(frozen=True)
class Landscape:
    """A plane with the loss on its grid: zs[j, i] is the loss at (xs[i], ys[j])."""

    plane: Plane
    xs: np.ndarray
    ys: np.ndarray
    zs: np.ndarray
    n_samples: int


def _project(center: np.ndarray, d1: np.ndarray, d2: np.ndarray, snapshots: np.ndarray, counted: Sequence[int]):
    """Least-squares coordinates (k, m, 2) of every snapshot in the plane, the captured share per run, and the
    share over the ``counted`` runs together."""
    basis = np.stack([d1, d2]).astype(np.float64)
    gram = basis @ basis.T
    k, m, _ = snapshots.shape
    coords = np.empty((k, m, 2))
    explained = np.empty(k)
    kept_all = total_all = 0.0
    for i in range(k):
        diff = snapshots[i].astype(np.float64) - center
        coords[i] = np.linalg.solve(gram, basis @ diff.T).T
        kept = float(np.einsum("mi,ij,mj->", coords[i], gram, coords[i]))  # ‖projection‖² summed over t
        total = float(np.sum(diff * diff))
        explained[i] = kept / total if total > 0 else 1.0
        if i in counted:
            kept_all += kept
            total_all += total
    return coords, explained, (kept_all / total_all if total_all > 0 else 1.0)


def _orthonormal(u: np.ndarray, v: np.ndarray, degenerate: str) -> tuple[np.ndarray, np.ndarray]:
    """An orthonormal basis of span(u, v) (Gram–Schmidt via QR); ``degenerate`` is the error when they are
    parallel, so no plane is defined."""
    q, r = np.linalg.qr(np.stack([u, v], axis=1))
    if abs(r[1, 1]) < MIN_SPAN * max(abs(r[0, 0]), 1.0):
        raise ValidationError(degenerate)
    return q[:, 0], q[:, 1]


def _filter_normalised(direction: np.ndarray, center: np.ndarray, layout: Layout) -> np.ndarray:
    """Li et al.'s filter normalisation: each filter of ``direction`` rescaled to the norm of the same filter
    in ``center``; bias entries zeroed (they would otherwise dominate the tiny network's picture)."""
    out = direction.copy()
    for part in layout.filter_slices():
        norm = np.linalg.norm(out[part])
        out[part] *= np.linalg.norm(center[part]) / norm if norm > 0 else 0.0
    for part in layout.bias_slices():
        out[part] = 0.0
    return out


def make_plane(result: TrainResult, method: str = "pca", center: str | None = None,
               pair: tuple[str, str] | None = None, seed: int = 0) -> Plane:
    """Build the plane. ``center``: None for the shared start, or an optimizer name (its final weights);
    ``pair``: the two optimizers of the ``endpoints`` plane (default: the first two runs)."""
    lookup("landscape plane", method, PLANES)
    names = result.config.names
    snapshots = result.snapshots
    layout = Layout(result.config.hidden)
    trained = tuple(i for i, step in enumerate(result.diverged_at) if step is None)
    if not trained:
        raise ValidationError("every run diverged: there are no trained weights to draw a landscape around")
    if center is None:
        c = snapshots[0, 0].astype(np.float64)
        where = "the shared start"
    else:
        c = snapshots[_trained_run(result, center, "centre the plane on"), -1].astype(np.float64)
        where = f"{center}'s final weights"
    if method == "pca":
        # float32 keeps the (k·m, n) matrix at the snapshots' own size; a picture needs no more precision
        diffs = snapshots[list(trained)].reshape(-1, layout.size) - c.astype(np.float32)
        # the right singular vectors of the displacement matrix, via the small (k·m)² Gram matrix; scaled to at
        # most 1 first, because a run whose weights blew up (1e21 is finite) would overflow float32 products
        scale = float(np.abs(diffs).max()) or 1.0
        unit = diffs / np.float32(scale)
        values, vectors = np.linalg.eigh((unit @ unit.T).astype(np.float64))
        top = np.argsort(values)[::-1][:2]
        d1, d2 = ((vectors[:, j].astype(np.float32) @ diffs).astype(np.float64) for j in top)
        d1, d2 = _orthonormal(d1, d2, "the weights moved along a single line: no second PCA direction")
        text = f"PCA of all trajectories, centred on {where}"
    elif method == "endpoints":
        if len(names) < 2 or (pair is not None and pair[0] == pair[1]):
            raise ValidationError("the endpoints plane needs two different optimizers")
        a, b = pair or names[:2]
        ia, ib = _trained_run(result, a, "span the plane with"), _trained_run(result, b, "span the plane with")
        c = snapshots[0, 0].astype(np.float64)
        d1, d2 = _orthonormal(snapshots[ia, -1] - c, snapshots[ib, -1] - c,
                              f"{a} and {b} moved along the same line: no plane through both end points")
        text = f"plane through the start and the final weights of {a} and {b}"
    else:
        rng = np.random.default_rng(seed)
        d1, d2 = (_filter_normalised(rng.standard_normal(layout.size), c, layout) for _ in range(2))
        text = f"two random filter-normalised directions through {where}"
    coords, explained, total = _project(c, d1, d2, snapshots, trained)
    return Plane(method, c, d1, d2, coords, explained, total, text, trained)


def _trained_run(result: TrainResult, name: str, purpose: str) -> int:
    """The index of the run of optimizer ``name``, which must not have diverged (its weights are no place to
    ``purpose``)."""
    names = result.config.names
    index = names.index(lookup("optimizer", name, {n: n for n in names}))
    if result.diverged_at[index] is not None:
        raise ValidationError(f"{name} diverged at step {result.diverged_at[index]}: its weights are no place to "
                              f"{purpose}; pick a run that trained, or the PCA plane")
    return index


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
    workers = min(threads or _available_cpus(), MAX_GRID_THREADS, ys.size)
    row_sets = [np.arange(w, ys.size, workers) for w in range(workers)]  # interleaved: equal work per thread
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda rows: grid_losses(*args, rows, zs), row_sets))
    return zs


def _available_cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


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
