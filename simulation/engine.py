"""The trajectory engine: a jitted loop (gradient by surface id → update by optimizer id) over many runs.

``simulate_batch`` runs every trajectory of a comparison in one call; ``run`` is the Python API above it: it
takes validated :class:`~simulation.settings.Settings` and returns a :class:`Result` of plain arrays. A run
that produces a non-finite value or leaves the ``DIVERGENCE_BOUND`` box stops there: its rows after the
divergence step are NaN and ``diverged_at`` records the step. Divergence is a result, never an exception.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from landscapes import surfaces
from optimizers import rules, schedules
from simulation.settings import DIVERGENCE_BOUND, Settings

NOT_DIVERGED = -1
JIT = dict(cache=True, nogil=True)
# The per-step helpers are inlined into the batch loop at Numba-IR level: each separately compiled level
# costs start-up time, because LLVM re-optimises a callee's code inside every caller.
INLINE = dict(JIT, inline="always")


@njit(**INLINE)
def out_of_bounds(x, y, loss, bound):
    return not (math.isfinite(x) and math.isfinite(y) and math.isfinite(loss)
                and abs(x) <= bound and abs(y) <= bound)


@njit(**INLINE)
def _record_state(states, k, t, state):
    for slot in range(state.shape[0]):
        states[k, t, slot, 0] = state[slot, 0]
        states[k, t, slot, 1] = state[slot, 1]


@njit(**INLINE)
def _record_stop(stops, k, p, f):
    stops[k, 0] = p[0]
    stops[k, 1] = p[1]
    stops[k, 2] = f


@njit(**INLINE)
def step(sid, c, opt_id, hp, noise_x, noise_y, p, g, state, scalars, t):
    """Update t of one 2D run in place: gradient at p plus noise into g, the optimizer's step; return f(p)."""
    gx, gy = surfaces.gradient(sid, p[0], p[1], c)
    g[0] = gx + noise_x
    g[1] = gy + noise_y
    rules.apply_update(opt_id, p, g, state, scalars, hp, t)
    return surfaces.value(sid, p[0], p[1], c)


@njit(**JIT)
def simulate_batch(sid, c, opt_ids, hps, schedule_ids, sps, starts, sigmas, z, bound, pos, loss, grad, upd,
                   states, record_state, diverged, stops, work, state, scalars):
    """Run trajectory k with (opt_ids[k], hps[k], schedule_ids[k], sps[k], starts[k], sigmas[k]) into row k
    of every output, its divergence step (or -1) into diverged[k] and where it stopped, (x, y, f) at that
    step, into stops[k] (left NaN for a run that did not diverge).

    pos[k, t], loss[k, t]: the point after t updates and f there (t = 0 is the start).
    grad[k, t], upd[k, t]: the gradient used by update t+1 (including noise σ·z[t]) and that update's step.
    states[k, t]: the optimizer state after t updates (only when ``record_state``; row 0, the zero initial
    state, arrives filled in). Other outputs arrive filled with NaN, so rows from the divergence step on stay
    NaN. The learning rate of update t is ``scheduled_lr(schedule, sp, hps[k, HP_LR], t)``.
    ``work`` (3 rows: point, gradient, hyperparameters; ≥ N_HYPERPARAMS wide), ``state`` and ``scalars``
    (shaped as ``rules.new_state`` makes them, reset for every run) are scratch space.
    (One compiled function for the whole batch, scalar element writes and no allocation: every extra compiled
    level, slice assignment and numpy allocator adds to the first start's compile time.)
    """
    n_steps = z.shape[0]
    p, g, hp = work[0, :2], work[1, :2], work[2]
    for k in range(opt_ids.size):
        diverged[k] = NOT_DIVERGED
        p[0] = starts[k, 0]
        p[1] = starts[k, 1]
        for i in range(hps.shape[1]):
            hp[i] = hps[k, i]
        rules.reset_state(state, scalars)
        f = surfaces.value(sid, p[0], p[1], c)
        if out_of_bounds(p[0], p[1], f, bound):
            diverged[k] = 0
            _record_stop(stops, k, p, f)
            continue
        pos[k, 0, 0] = p[0]
        pos[k, 0, 1] = p[1]
        loss[k, 0] = f
        for t in range(1, n_steps + 1):
            hp[rules.HP_LR] = schedules.scheduled_lr(schedule_ids[k], sps[k], hps[k, rules.HP_LR], t)
            f = step(sid, c, opt_ids[k], hp, sigmas[k] * z[t - 1, 0], sigmas[k] * z[t - 1, 1], p, g, state,
                     scalars, t)
            if out_of_bounds(p[0], p[1], f, bound):
                diverged[k] = t
                _record_stop(stops, k, p, f)
                break
            pos[k, t, 0] = p[0]
            pos[k, t, 1] = p[1]
            loss[k, t] = f
            grad[k, t - 1, 0] = g[0]
            grad[k, t - 1, 1] = g[1]
            upd[k, t - 1, 0] = p[0] - pos[k, t - 1, 0]
            upd[k, t - 1, 1] = p[1] - pos[k, t - 1, 1]
            if record_state:
                _record_state(states, k, t, state)


@dataclass(frozen=True)
class Result:
    """Plain arrays for every run of a :class:`Settings` (k runs, n steps).

    positions (k, n+1, 2), losses (k, n+1), grads (k, n, 2), updates (k, n, 2), states (k, n+1, slots, 2)
    or None, diverged_at: the step at which each run diverged, or None. Rows past a divergence are NaN.
    stops (k, 3): for a run that diverged, the point and value (x, y, f) it reached at that step, which made
    it stop (non-finite, or beyond ``DIVERGENCE_BOUND``); NaN for the others.
    """

    settings: Settings
    positions: np.ndarray
    losses: np.ndarray
    grads: np.ndarray
    updates: np.ndarray
    states: np.ndarray | None
    diverged_at: tuple[int | None, ...]
    stops: np.ndarray

    def n_points(self, k: int) -> int:
        """How many finite points run k has (steps + 1 unless it diverged)."""
        d = self.diverged_at[k]
        return self.settings.steps + 1 if d is None else d


def gaussian_noise(steps: int, seed: int) -> np.ndarray:
    """The standard-normal draws z[t] shared by every run of a comparison (same noise → fair comparison)."""
    return np.random.default_rng(seed).standard_normal((steps, 2))


def run(settings: Settings, record_state: bool = False) -> Result:
    """Run every optimizer of ``settings`` on its surface in one jitted batch."""
    k, n = len(settings.runs), settings.steps
    spec = settings.surface_spec
    c = spec.param_vector(dict(settings.surface_params))
    opt_ids = np.array([r.spec.oid for r in settings.runs], dtype=np.int64)
    hps = np.stack([r.spec.hyperparameter_vector(r.values) for r in settings.runs])
    plans = [schedules.get_schedule(r.schedule) for r in settings.runs]
    schedule_ids = np.array([plan.kind for plan in plans], dtype=np.int64)
    sps = np.stack([plan.vector(r.schedule_params) for plan, r in zip(plans, settings.runs)])
    starts = np.tile(np.asarray(settings.start, dtype=np.float64), (k, 1))
    sigmas = np.full(k, settings.noise)
    z = gaussian_noise(n, settings.seed) if settings.noise > 0 else np.zeros((n, 2))
    positions = np.full((k, n + 1, 2), np.nan)
    losses = np.full((k, n + 1), np.nan)
    grads = np.full((k, n, 2), np.nan)
    updates = np.full((k, n, 2), np.nan)
    state_rows = n + 1 if record_state else 1
    states = np.full((k, state_rows, rules.MAX_STATE_SLOTS, 2), np.nan)
    states[:, 0] = 0.0  # every optimizer's state starts at zero (see rules.new_state)
    diverged = np.empty(k, dtype=np.int64)
    stops = np.full((k, 3), np.nan)
    work = np.zeros((3, rules.N_HYPERPARAMS))
    state, scalars = np.empty((rules.MAX_STATE_SLOTS, 2)), np.empty(rules.N_SCALAR_STATE)
    simulate_batch(spec.sid, c, opt_ids, hps, schedule_ids, sps, starts, sigmas, z, DIVERGENCE_BOUND,
                   positions, losses, grads, updates, states, record_state, diverged, stops, work, state, scalars)
    return Result(settings, positions, losses, grads, updates, states if record_state else None,
                  tuple(None if d == NOT_DIVERGED else int(d) for d in diverged), stops)
