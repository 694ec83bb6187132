"""How each run of a result ended, in words that name the cause: the one source of the app's and the CLI's
statements about a run.

- *ran*: every step, and the loss never grew far past its start;
- *exploded*: every step taken, but the loss grew past ``EXPLOSION_FACTOR`` times its start (measured above
  the surface's minimum, when it is known) — finite numbers, yet no descent;
- *diverged*: the point left ``|x|, |y| ≤ DIVERGENCE_BOUND`` or overflowed, so the run stopped;
- *undefined*: the point stayed in range but the function has no finite value there (``log(x)`` for x < 0),
  so the run stopped (a non-finite value far out, or after an astronomically large loss, is an overflow,
  so that run diverged); *undefined at the start* when the start point already has no finite value.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulation.engine import Result
from simulation.settings import DIVERGENCE_BOUND

EXPLOSION_FACTOR = 1e6  # a loss (gap) this many times its start's counts as exploded
MIN_GAP = 1.0  # a start at (or next to) the minimum measures growth from this gap, not from ~0
# A non-finite value at a point this far out, or right after a loss this large, is the overflow of a run that
# was blowing up (diverged); at a moderate point after a moderate loss it is a hole in the function itself
# (log of a negative number, a pole). Every map the product draws lies well within FAR.
FAR = 1e6
OVERFLOW_FROM = 1e100

RAN, EXPLODED, DIVERGED, UNDEFINED, UNDEFINED_AT_START = "ran", "exploded", "diverged", "undefined", "undefined_start"


@dataclass(frozen=True)
class Outcome:
    """How run ``label`` ended: ``kind`` (one of the names above), the step it concerns (None for a run
    that ran), a short ``status`` for tables and a ``message`` that says what happened and what to try."""

    label: str
    kind: str
    step: int | None
    status: str
    message: str | None


def _point(x: float, y: float) -> str:
    return f"({x:.3g}, {y:.3g})"


def loss_gap(losses: np.ndarray, min_value: float | None) -> np.ndarray:
    """Losses above the surface's minimum value, or their size where the minimum is unknown."""
    return losses - min_value if min_value is not None else np.abs(losses)


def explosion_limit(start_gap: float) -> float:
    """The loss gap beyond which a run that started at ``start_gap`` counts as exploded."""
    return EXPLOSION_FACTOR * max(abs(float(start_gap)), MIN_GAP)


@dataclass(frozen=True)
class Ending:
    """How a run ended, from its numbers alone: ``kind`` and the step it concerns (None when it ran)."""

    kind: str
    step: int | None = None

    @property
    def died(self) -> bool:
        return self.kind != RAN

    @property
    def status(self) -> str:
        """A short phrase for tables and hovers: "exploded at step 7"."""
        return STATUS[self.kind].format(step=self.step)


STATUS = {RAN: "ran every step", EXPLODED: "exploded at step {step}", DIVERGED: "diverged at step {step}",
          UNDEFINED: "left the function's domain at step {step}", UNDEFINED_AT_START: "undefined at the start"}


def run_ending(losses: np.ndarray, diverged_at: int | None, min_value: float | None,
               stop: np.ndarray) -> Ending:
    """How one run ended, from its losses (n+1,), the engine's divergence step and the point (x, y, f) at
    which it stopped (``Result.stops``)."""
    if diverged_at is None:
        gaps = loss_gap(losses, min_value)
        grown = np.flatnonzero(gaps > explosion_limit(gaps[0]))
        return Ending(EXPLODED, int(grown[0])) if grown.size else Ending(RAN)
    x, y, f = (float(v) for v in stop)
    in_range = math.isfinite(x) and math.isfinite(y) and max(abs(x), abs(y)) <= DIVERGENCE_BOUND
    last = abs(float(losses[diverged_at - 1])) if diverged_at > 0 else 0.0
    # a run that was already far out or astronomically high overflowed; otherwise f has a hole there
    blowing_up = max(abs(x), abs(y)) > FAR or last > OVERFLOW_FROM
    if in_range and not math.isfinite(f) and not blowing_up:
        return Ending(UNDEFINED_AT_START, 0) if diverged_at == 0 else Ending(UNDEFINED, diverged_at)
    return Ending(DIVERGED, diverged_at)


def _message(label: str, ending: Ending, result: Result, k: int) -> str | None:
    x, y, _ = (float(v) for v in result.stops[k])
    if ending.kind == EXPLODED:
        return (f"**{label} exploded at step {ending.step}**: its loss grew past {EXPLOSION_FACTOR:.0e} times "
                f"its start and ended at {float(result.losses[k, -1]):.3g}, so these numbers say nothing about "
                "the minimum. Try a smaller learning rate (or less momentum).")
    if ending.kind == UNDEFINED_AT_START:
        return (f"**{label} took no step**: the function has no finite value at the start {_point(x, y)}. "
                "Pick a start where its value is finite.")
    if ending.kind == UNDEFINED:
        return (f"**{label} stopped at step {ending.step}**: it stepped to {_point(x, y)}, where the function "
                "has no finite value (its domain ends before that point). Try a smaller learning rate, or a "
                "start further from that edge.")
    if ending.kind == DIVERGED:
        return (f"**{label} diverged at step {ending.step}**: its steps grew until the point left |x|, |y| ≤ "
                f"{DIVERGENCE_BOUND:.0e} or overflowed. Try a smaller learning rate (or less momentum).")
    return None


def classify(result: Result, k: int) -> Outcome:
    """The :class:`Outcome` of run ``k`` of ``result``."""
    label = result.settings.runs[k].label
    ending = run_ending(result.losses[k], result.diverged_at[k], result.settings.surface_spec.min_value,
                        result.stops[k])
    return Outcome(label, ending.kind, ending.step, ending.status, _message(label, ending, result, k))


def classify_all(result: Result) -> list[Outcome]:
    return [classify(result, k) for k in range(len(result.settings.runs))]
