"""Numbers that explain a finished run: per-coordinate effective step sizes and a summary per optimizer.

Pure numpy on a :class:`~simulation.engine.Result` recorded with ``record_state=True``. State slots follow
``optimizers.rules`` (``states[k, t]`` is the state *after* update t, so update t read ``states[k, t]`` for
moments it had just refreshed and ``states[k, t-1]`` for anything it used before refreshing).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimizers import rules
from simulation.engine import Result
from simulation.outcomes import classify_all
from simulation.settings import NEAR_MINIMUM_GAP

VELOCITY_SLOT = "b"  # the state slot of a momentum buffer


def _steps(n: int) -> np.ndarray:
    """Step counts t = 1 … n as floats (torch raises β to a float step count)."""
    return np.arange(1, n + 1, dtype=np.float64)[:, None]


def effective_step_sizes(result: Result, k: int) -> np.ndarray | None:
    """Per-coordinate effective step size of run ``k`` at updates 1 … n, shape (n, 2); None if not adaptive.

    The effective step is the factor the (averaged) gradient is multiplied by in that update:

    - AdaGrad: lr / (√G + eps);  RMSProp: lr / (√v + eps)
    - Adam, AdamW, NAdam: lr / (1−β1ᵗ) / (√v / √(1−β2ᵗ) + eps);  AMSGrad: the same with v̂
    - RAdam: lr / (1−β1ᵗ) · r·√(1−β2ᵗ) / (√v + eps) once rectified, lr / (1−β1ᵗ) before
    - AdaMax: lr / (1−β1ᵗ) / u;  AdaDelta: lr · √(E[Δ²]ₜ₋₁ + eps) / √(E[g²]ₜ + eps)
    - Lion: lr (every coordinate moves by exactly lr times a sign)
    """
    if result.states is None:
        raise ValueError("effective step sizes need a result recorded with record_state=True")
    run = result.settings.runs[k]
    spec, hp = run.spec, run.values
    if not spec.adaptive:
        return None
    n = result.settings.steps
    states = result.states[k]  # (n+1, slots, 2)
    before, after = states[:-1], states[1:]  # the state an update read, and the one it left
    t = _steps(n)
    lr, kind = hp["lr"], spec.step_kind
    if kind == "sign":
        return np.full((n, 2), lr)
    if kind == "rms":
        return lr / (np.sqrt(after[:, 0]) + hp["eps"])
    if kind == "adadelta":
        return (lr * np.sqrt(before[:, spec.slot("Edelta2")] + hp["eps"])
                / np.sqrt(after[:, spec.slot("Eg2")] + hp["eps"]))
    first_moment_scale = lr / (1.0 - hp["beta1"] ** t)
    if kind == "adamax":
        return first_moment_scale / after[:, spec.slot("u")]
    if kind == "radam":
        return first_moment_scale * _radam_factor(after[:, spec.slot("v")], t, hp["beta2"], hp["eps"])
    second = after[:, spec.slot({"adam": "v", "amsgrad": "v_max"}[kind])]
    return first_moment_scale / (np.sqrt(second) / np.sqrt(1.0 - hp["beta2"] ** t) + hp["eps"])


def _radam_factor(v: np.ndarray, t: np.ndarray, beta2: float, eps: float) -> np.ndarray:
    """RAdam's adaptive factor r·√(1−β2ᵗ)/(√v+eps) where rectified, else 1 (a plain momentum step)."""
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    bias2 = 1.0 - beta2 ** t
    rho_t = rho_inf - 2.0 * t * beta2 ** t / bias2
    rectified = rho_t > rules.RADAM_RECTIFY_THRESHOLD
    safe_rho = np.where(rectified, rho_t, rho_inf)  # avoids sqrt of negatives where the branch is unused
    r = np.sqrt((safe_rho - 4.0) * (safe_rho - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * safe_rho))
    return np.where(rectified, r * np.sqrt(bias2) / (np.sqrt(v) + eps), 1.0)


@dataclass(frozen=True)
class RunSummary:
    """The numbers table row for one run."""

    label: str
    final_loss: float | None  # None when the run stopped early (diverged, or left the function's domain)
    distance_to_minimum: float | None  # to the nearest global minimum; None if the surface has none
    steps_to_tolerance: int | None  # first step with f − f_min ≤ tolerance; None if never (or unknown f_min)
    diverged_at: int | None
    status: str  # how the run ended (simulation.outcomes): "ran every step", "exploded at step 12", …


def summarize(result: Result, tolerance: float = NEAR_MINIMUM_GAP) -> list[RunSummary]:
    """One :class:`RunSummary` per run of ``result``."""
    spec = result.settings.surface_spec
    minima = np.asarray(spec.minima, dtype=np.float64).reshape(-1, 2)
    rows = []
    for k, (run, outcome) in enumerate(zip(result.settings.runs, classify_all(result))):
        diverged = result.diverged_at[k]
        last = result.n_points(k) - 1
        final_xy = result.positions[k, last]
        final_loss = None if diverged is not None else float(result.losses[k, last])
        distance = None
        if minima.size and diverged is None:
            distance = float(np.min(np.hypot(*(minima - final_xy).T)))
        reached = None
        if spec.min_value is not None:
            within = np.flatnonzero(result.losses[k, :last + 1] - spec.min_value <= tolerance)
            reached = int(within[0]) if within.size else None
        rows.append(RunSummary(run.label, final_loss, distance, reached, diverged, outcome.status))
    return rows


def velocities(result: Result, k: int) -> np.ndarray | None:
    """Momentum carried into each update of run ``k``: row s is −lr·μ·b after s updates, shape (n, 2).

    That is the part of update s+1 that comes from the past rather than from the new gradient (heavy ball
    and Nesterov keep it in their slot b, as does RMSProp with momentum). None for methods without a velocity.
    """
    if result.states is None:
        raise ValueError("velocities need a result recorded with record_state=True")
    run = result.settings.runs[k]
    hp = run.values
    if not run.spec.has_slot(VELOCITY_SLOT) or hp.get("momentum", 0.0) == 0.0:
        return None
    return -hp["lr"] * hp["momentum"] * result.states[k, :-1, run.spec.slot(VELOCITY_SLOT)]
