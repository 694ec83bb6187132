"""A 2D plane through an MNIST network's weight space and the training paths projected onto it.

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
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from mnist.model import Layout
from mnist.train import TrainResult
from validation import ValidationError, lookup

PLANES = {
    "pca": "two leading PCA directions of all optimizers' trajectories",
    "endpoints": "plane through the start and two optimizers' final weights",
    "random": "two random filter-normalised directions",
}
MIN_SPAN = 1e-6  # relative lengths below this count as zero: parallel directions, or paths that are a point


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
