"""Fair comparison: tune each optimizer's learning rate on the current surface with a log-grid search.

Optimizers compared at their default learning rates mostly compare the defaults. Here every optimizer gets the
same budget: a log-spaced grid of learning rates, each run for the comparison's steps from its start, all in one
parallel batched call into the core (:func:`simulation.sweep.outcomes`). The objective is stated once, in
:data:`OBJECTIVE`, and implemented once, in :func:`rank_key`:

1. a run that diverged ranks last;
2. a run whose final loss lies within ``tolerance`` of the surface's minimum beats one that does not, and
   among those the one that first got there in fewer steps wins;
3. otherwise the lower final loss wins.

The default learning rate is always one of the candidates (and wins ties), so the tuned result is never worse
than the default on this objective. Only the learning rate is searched; every other hyperparameter keeps the
value it has in the settings. The search is noiseless and uses a constant learning rate, like the stability map.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from optimizers import rules
from simulation.settings import CONVERGED_GAP, OptimizerRun, Settings, make_run
from simulation.sweep import NEVER, SweepResult, outcomes, target_loss
from validation import ValidationError

# From a decade below the smallest torch default (Lion's 1e-4) to far above every useful step on the built-in
# surfaces.
LR_SEARCH_RANGE = (1e-5, 10.0)
LR_POINTS_PER_DECADE = 8  # a 33 % step between neighbours: finer than the differences a student can see
MAX_CANDIDATES = 1_000  # a grid this fine is already far past the point of diminishing returns
CONSTANT_SCHEDULE = "constant"

OBJECTIVE = ("lowest final loss after the same number of steps from the same start; runs that end within the "
             "tolerance of the minimum tie, and the one that got there in fewer steps wins; a run that "
             "diverged ranks last")

# rank_key's first element: the outcome class, best first
REACHED, NOT_REACHED, DIVERGED = 0, 1, 2


@dataclass(frozen=True)
class Outcome:
    """What one noiseless run at learning rate ``lr`` achieved.

    final_loss is NaN if the run diverged; steps_to_tolerance and diverged_at are -1 when it never happened.
    """

    lr: float
    final_loss: float
    steps_to_tolerance: int
    diverged_at: int

    @property
    def diverged(self) -> bool:
        return self.diverged_at != NEVER


@dataclass(frozen=True)
class TunedRun:
    """One optimizer's search: the run as given (``default``), the winner (``tuned``) and every candidate."""

    run: OptimizerRun
    default: Outcome
    tuned: Outcome
    candidates: tuple[Outcome, ...]

    @property
    def tuned_run(self) -> OptimizerRun:
        """The same optimizer and hyperparameters with the tuned learning rate."""
        return with_lr(self.run, self.tuned.lr)


def lr_grid(low: float = LR_SEARCH_RANGE[0], high: float = LR_SEARCH_RANGE[1],
            per_decade: int = LR_POINTS_PER_DECADE) -> np.ndarray:
    """Log-spaced learning rates from ``low`` to ``high`` (both included), ``per_decade`` per factor of ten."""
    if not 0 < low < high:
        raise ValidationError(f"learning-rate search range must satisfy 0 < low < high, got {low:g}, {high:g}")
    count = int(round(math.log10(high / low) * per_decade)) + 1
    if count > MAX_CANDIDATES:
        raise ValidationError(f"a learning-rate search has at most {MAX_CANDIDATES} candidates, got {count}")
    return np.logspace(math.log10(low), math.log10(high), count)


def rank_key(outcome: Outcome, target: float) -> tuple[int, float]:
    """Sort key implementing :data:`OBJECTIVE`: smaller is better."""
    if outcome.diverged:
        return DIVERGED, 0.0
    if outcome.final_loss <= target:
        return REACHED, float(outcome.steps_to_tolerance)
    return NOT_REACHED, outcome.final_loss


def lr_outcomes(settings: Settings, run: OptimizerRun, lrs, tolerance: float = CONVERGED_GAP
                ) -> list[Outcome]:
    """Run ``run`` at every learning rate in ``lrs`` on the settings' surface, start and steps (one batch)."""
    allowed = run.spec.hyperparameter("lr").allowed
    lr_values = np.asarray(lrs, dtype=np.float64)
    bad = [v for v in lr_values if not allowed.contains(v)]
    if bad:
        raise ValidationError(f"lr must be in {allowed}, got {bad[0]:g}")
    hps = np.tile(run.spec.hyperparameter_vector(run.values), (lr_values.size, 1))
    hps[:, rules.HP_LR] = lr_values
    final, reached, diverged = outcomes(settings, run.spec.oid, hps, target_loss(settings, tolerance))
    return [Outcome(float(lr), float(f), int(r), int(d)) for lr, f, r, d in zip(lr_values, final, reached, diverged)]


def tune_run(settings: Settings, run: OptimizerRun, lrs=None, tolerance: float = CONVERGED_GAP) -> TunedRun:
    """Search ``run``'s learning rate over ``lrs`` (default :func:`lr_grid`) on :data:`OBJECTIVE`."""
    if run.schedule != CONSTANT_SCHEDULE:
        # The batched outcome kernel steps with a constant learning rate, like the stability map.
        raise ValidationError(f"tuning searches a constant learning rate; {run.optimizer} has a "
                              f"{run.schedule} schedule")
    grid = lr_grid() if lrs is None else np.asarray(lrs, dtype=np.float64)
    default_lr = run.values["lr"]
    # The default goes first: min() keeps the first of equal keys, so a tie never replaces the default.
    outcomes = lr_outcomes(settings, run, np.concatenate([[default_lr], grid]), tolerance)
    target = target_loss(settings, tolerance)
    best = min(outcomes, key=lambda o: rank_key(o, target))
    return TunedRun(run, outcomes[0], best, tuple(outcomes[1:]))


def tune(settings: Settings, lrs=None, tolerance: float = CONVERGED_GAP) -> tuple[TunedRun, ...]:
    """Tune every run of ``settings`` independently (see :func:`tune_run`)."""
    return tuple(tune_run(settings, run, lrs, tolerance) for run in settings.runs)


def best_cell(result: SweepResult, target: float) -> tuple[int, int]:
    """(row, column) of the best cell of a stability map on :data:`OBJECTIVE` (first of equals, row-major)."""
    def key(index: tuple[int, int]) -> tuple[int, float]:
        row, col = index
        outcome = Outcome(float(result.lrs[col]), float(result.final_loss[index]),
                          int(result.steps_to_tolerance[index]), int(result.diverged_at[index]))
        return rank_key(outcome, target)

    return min(np.ndindex(result.final_loss.shape), key=key)


def with_lr(run: OptimizerRun, lr: float) -> OptimizerRun:
    """``run`` with its learning rate replaced (validated like any other input)."""
    return make_run(run.optimizer, {**run.values, "lr": lr}, run.schedule, dict(run.schedule_params))
