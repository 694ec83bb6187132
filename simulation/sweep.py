"""Stability maps: a learning-rate × momentum (or β1) grid of runs in one parallel jitted call, plus theory.

Each cell runs the full trajectory but keeps only its outcome — final loss, the first step at which the loss
is within ``tol`` of the surface's minimum, and the divergence step — so a 100 × 100 grid of 500-step runs
needs no per-step storage. On quadratics, classical results say where the boundary should be:
gradient descent is stable for lr < 2/λ_max; heavy-ball momentum for 0 ≤ β < 1, 0 < lr < 2(1 + β)/λ_max,
Nesterov momentum for 0 < lr < 2(1 + β)/((1 + 2β)·λ_max),
fastest at lr* = 4/(√λ_max + √λ_min)², β* = ((√κ − 1)/(√κ + 1))² with κ = λ_max/λ_min (Polyak 1964).
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np
from numba import njit, prange

from landscapes import surfaces
from optimizers import rules
from simulation import engine
from optimizers.registry import get_optimizer
from simulation.settings import CONVERGED_GAP, DIVERGENCE_BOUND, Settings
from validation import ValidationError, check_range

MAX_CELLS = 250_000  # a 500 × 500 map; beyond that a click-to-load map is unreadable anyway
NEVER = -1
SECOND_AXES = ("momentum", "beta1")
# Cells × steps per parallel call: a fraction of a second each, so an interruption (Ctrl-C, checked between calls)
# acts within a second, progress can be shown, and other sessions' maps take turns with a long one.
CHUNK_CELL_STEPS = 1_000_000
# One parallel kernel at a time per process: Numba's fallback "workqueue" threading layer aborts the process
# when two threads (two app sessions) launch parallel kernels at once, and the cores are all in use anyway.
PARALLEL_LOCK = threading.Lock()


@njit(cache=True, nogil=True)
def outcome(sid, c, opt_id, hp, start, n_steps, bound, target):
    """(final loss, first step with loss ≤ target or -1, divergence step or -1) of one noiseless run."""
    p = start.copy()
    state, scalars = rules.new_state(p)
    g = np.zeros(2)
    f = surfaces.value(sid, p[0], p[1], c)
    reached = 0 if f <= target else NEVER
    for t in range(1, n_steps + 1):
        f = engine.step(sid, c, opt_id, hp, 0.0, 0.0, p, g, state, scalars, t)
        if engine.out_of_bounds(p[0], p[1], f, bound):
            return math.nan, reached, t
        if reached == NEVER and f <= target:
            reached = t
    return f, reached, NEVER


@njit(cache=True, nogil=True, parallel=True)
def outcome_grid(sid, c, opt_id, hps, start, n_steps, bound, target, final, reached, diverged):
    """Outcome of run k (hyperparameters hps[k]) into final[k], reached[k], diverged[k], cells in parallel."""
    for k in prange(hps.shape[0]):
        final[k], reached[k], diverged[k] = outcome(sid, c, opt_id, hps[k], start, n_steps, bound, target)


@dataclass(frozen=True)
class SweepResult:
    """Outcomes on the grid lrs × seconds (arrays shaped [len(seconds), len(lrs)], rows = second axis)."""

    lrs: np.ndarray
    second_name: str
    seconds: np.ndarray
    start_loss: float
    final_loss: np.ndarray  # NaN where diverged
    steps_to_tolerance: np.ndarray  # -1 where never reached (or no known minimum)
    diverged_at: np.ndarray  # -1 where the run stayed finite and in bounds

    @property
    def unstable(self) -> np.ndarray:
        """Cells that diverged or ended higher than they started."""
        return (self.diverged_at >= 0) | ~(self.final_loss <= self.start_loss)


def sweep(settings: Settings, lrs, second_name: str, seconds, tolerance: float = CONVERGED_GAP,
          progress: Callable[[float], None] | None = None) -> SweepResult:
    """Sweep the first run of ``settings`` over learning rates × ``second_name`` values (noiseless).

    Every other hyperparameter, the surface, start and step count come from ``settings``; ``progress`` is
    called with the fraction of cells done after each parallel call.
    """
    run = settings.runs[0]
    spec = run.spec
    if settings.noise > 0 or run.schedule != "constant":
        raise ValidationError("a sweep runs without gradient noise and with a constant learning rate")
    if second_name not in sweep_axes(spec.name):
        raise ValidationError(f"{spec.name} cannot be swept over {str(second_name)[:40]!r}; "
                              f"choose one of: {', '.join(sweep_axes(spec.name)) or 'none'}")
    lr_values = np.array([check_range("lr", v, spec.hyperparameter("lr").allowed) for v in lrs])
    allowed = spec.hyperparameter(second_name).allowed
    second_values = np.array([check_range(second_name, v, allowed) for v in seconds])
    if lr_values.size * second_values.size > MAX_CELLS:
        raise ValidationError(f"a sweep has at most {MAX_CELLS} cells, got {lr_values.size * second_values.size}")
    base = spec.hyperparameter_vector(run.values)
    hps = np.tile(base, (second_values.size * lr_values.size, 1))
    hps[:, rules.HP_LR] = np.tile(lr_values, second_values.size)
    hps[:, spec.hyperparameter(second_name).index] = np.repeat(second_values, lr_values.size)
    final, reached, diverged = outcomes(settings, spec.oid, hps, target_loss(settings, tolerance), progress)
    shape = (second_values.size, lr_values.size)
    return SweepResult(lr_values, second_name, second_values, settings.surface_spec.value(*settings.start),
                       final.reshape(shape), reached.reshape(shape), diverged.reshape(shape))


def target_loss(settings: Settings, tolerance: float) -> float:
    """The loss that counts as converged: the surface's minimum + ``tolerance`` (−inf when unknown)."""
    min_value = settings.surface_spec.min_value
    return -math.inf if min_value is None else min_value + tolerance


def outcomes(settings: Settings, opt_id: int, hps: np.ndarray, target: float,
             progress: Callable[[float], None] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(final loss, steps to ``target``, divergence step) of optimizer ``opt_id`` with each row of ``hps``,
    on the settings' surface, start and step count, in parallel calls of ``CHUNK_CELL_STEPS`` each."""
    surface = settings.surface_spec
    c = surface.param_vector(dict(settings.surface_params))
    start = np.asarray(settings.start, dtype=np.float64)
    n = hps.shape[0]
    final, reached, diverged = np.empty(n), np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    rows_per_call = max(1, CHUNK_CELL_STEPS // settings.steps)
    for first in range(0, n, rows_per_call):
        part = slice(first, first + rows_per_call)
        with PARALLEL_LOCK:
            outcome_grid(surface.sid, c, opt_id, hps[part], start, settings.steps, DIVERGENCE_BOUND, target,
                         final[part], reached[part], diverged[part])
        if progress is not None:
            progress(min(first + rows_per_call, n) / n)
    return final, reached, diverged


@dataclass(frozen=True)
class QuadraticTheory:
    """Stability facts for f = ½·(λ_min·u² + λ_max·v²) in its eigenbasis."""

    lam_min: float
    lam_max: float

    @property
    def condition(self) -> float:
        return self.lam_max / self.lam_min

    @property
    def gd_max_lr(self) -> float:
        return 2.0 / self.lam_max

    def heavy_ball_max_lr(self, beta):
        return 2.0 * (1.0 + np.asarray(beta)) / self.lam_max

    def nesterov_max_lr(self, beta):
        """Nesterov momentum is stable for lr < 2(1 + β) / ((1 + 2β)·λ_max): its look-ahead brakes earlier,
        so it tolerates a smaller step than heavy ball at the same β."""
        beta = np.asarray(beta)
        return 2.0 * (1.0 + beta) / ((1.0 + 2.0 * beta) * self.lam_max)

    @property
    def optimal_lr(self) -> float:
        return 4.0 / (math.sqrt(self.lam_max) + math.sqrt(self.lam_min)) ** 2

    @property
    def optimal_beta(self) -> float:
        root = math.sqrt(self.condition)
        return ((root - 1.0) / (root + 1.0)) ** 2


def quadratic_theory(settings: Settings) -> QuadraticTheory | None:
    """Stability theory for a surface whose Hessian is constant (the registry's ``hessian``); None elsewhere."""
    eigenvalues = settings.surface_spec.hessian_eigenvalues(dict(settings.surface_params))
    return None if eigenvalues is None else QuadraticTheory(*eigenvalues)


def sweep_axes(name: str) -> list[str]:
    """The second axes optimizer ``name`` can be swept over (momentum or beta1), in preference order."""
    return [a for a in SECOND_AXES if a in get_optimizer(name).defaults]
