"""Learning-rate schedules with ``torch.optim.lr_scheduler`` semantics, evaluated inside the jitted loop.

torch steps a scheduler after each optimizer step, so update t (1-based) uses the schedule at epoch e = t − 1:

- ``constant``: η                                            (no scheduler)
- ``step``: η·γ^⌊e / step_size⌋                                (StepLR)
- ``exponential``: η·γ^e                                       (ExponentialLR)
- ``cosine``: η_min + (η − η_min)·(1 + cos(π·e / T_max)) / 2   (CosineAnnealingLR, closed form)
- ``warmup_cosine``: η·(f₀ + (1 − f₀)·e / W) for e < W, then cosine annealing over T_max
                                                             (SequentialLR of LinearLR and CosineAnnealingLR)
- ``inverse_time``: η / (1 + k·e)                              (LambdaLR with 1/(1 + k·e), the "1/t" decay)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

import numpy as np
from numba import njit

from validation import Range, ValidationError, check_range, lookup

CONSTANT, STEP, EXPONENTIAL, COSINE, WARMUP_COSINE, INVERSE_TIME = range(6)
# Where each schedule parameter sits in the vector the jitted code reads (as HP_* for hyperparameters).
SP_STEP_SIZE, SP_GAMMA, SP_T_MAX, SP_ETA_MIN, SP_WARMUP, SP_START_FACTOR, SP_K = range(7)
MAX_SCHEDULE_PARAMS = 7
MAX_PERIOD = 1e6  # steps; longer than any run


@njit(cache=True, nogil=True, inline="always")  # inlined into the engine's loop: a faster first start
def scheduled_lr(kind, sp, base_lr, t):
    """The learning rate of update ``t`` (1-based) under schedule ``kind`` with parameters ``sp`` (laid out
    by the ``SP_*`` indices); NaN for an unknown kind, so a wrong id shows as a diverged run."""
    e = float(t - 1)
    if kind == CONSTANT:
        return base_lr
    if kind == STEP:
        return base_lr * sp[SP_GAMMA] ** math.floor(e / sp[SP_STEP_SIZE])
    if kind == EXPONENTIAL:
        return base_lr * sp[SP_GAMMA] ** e
    if kind == COSINE:
        return _cosine(base_lr, sp[SP_ETA_MIN], e, sp[SP_T_MAX])
    if kind == WARMUP_COSINE:
        warmup = sp[SP_WARMUP]
        if e < warmup:
            return base_lr * (sp[SP_START_FACTOR] + (1.0 - sp[SP_START_FACTOR]) * e / warmup)
        return _cosine(base_lr, sp[SP_ETA_MIN], e - warmup, sp[SP_T_MAX])
    if kind == INVERSE_TIME:
        return base_lr / (1.0 + sp[SP_K] * e)
    return math.nan


@njit(cache=True, nogil=True, inline="always")
def _cosine(base_lr, eta_min, e, period):
    """Cosine annealing from base_lr to eta_min over ``period`` updates, at epoch ``e``."""
    return eta_min + (base_lr - eta_min) * (1.0 + math.cos(math.pi * e / period)) / 2.0


# How a parameter's starting value follows the length of the run it schedules, so that every schedule does
# something visible within it (the pickers start from these; ``run_defaults``):
STEP_PHASES = 4  # "run_quarter": step decay drops at each quarter (with γ = 0.5 the rate halves each time)
WARMUP_SHARE = 10  # "run_tenth": the first tenth warms up; "after_warmup": the rest of the run anneals
FINAL_FRACTION = 0.1  # "final_per_step" (γ^steps) and "final_inverse" (1/(1 + k·steps)): η ends at a tenth
# "run": the whole run (cosine's half period); "fixed": the registry's default, whatever the length.
COUNT_SCALINGS = ("run_quarter", "run_tenth", "after_warmup", "run")  # these are whole numbers of updates
SCALINGS = ("fixed", "final_per_step", "final_inverse", *COUNT_SCALINGS)


@dataclass(frozen=True)
class ScheduleParam:
    name: str  # torch's name, used in links and on the command line
    index: int  # its SP_* position
    default: float
    allowed: Range
    label: str  # a student's name for it
    help: str
    scaling: str  # one of SCALINGS: how its starting value follows the run's length

    def __post_init__(self) -> None:
        lookup(f"scaling of the schedule parameter {self.name}", self.scaling, dict.fromkeys(SCALINGS))

    @property
    def counts_updates(self) -> bool:
        """A whole number of updates (its inputs hold integers)."""
        return self.scaling in COUNT_SCALINGS

    def clamped(self, value: float) -> float:
        """``value`` moved into the closed hull of the allowed range (very long runs exceed the longest period)."""
        return min(max(value, self.allowed.low), self.allowed.high)


@dataclass(frozen=True)
class Schedule:
    name: str  # used in links and on the command line
    kind: int
    title: str  # a student's name for it
    explanation: str  # one line: what it does to the learning rate
    torch_equivalent: str
    params: tuple[ScheduleParam, ...]

    def validate(self, values: Mapping[str, object]) -> tuple[tuple[str, float], ...]:
        known = {p.name for p in self.params}
        for key in values:
            if key not in known:
                raise ValidationError(f"schedule {self.name} has no parameter {str(key)[:40]!r}; "
                                      f"valid: {', '.join(sorted(known)) or 'none'}")
        return tuple((p.name, check_range(p.name, values.get(p.name, p.default), p.allowed))
                     for p in self.params)

    def vector(self, values: tuple[tuple[str, float], ...]) -> np.ndarray:
        """The ``SP_*`` vector the jitted code reads, from validated values."""
        vector = np.zeros(MAX_SCHEDULE_PARAMS)
        index = {p.name: p.index for p in self.params}
        for name, value in values:
            vector[index[name]] = value
        return vector


_PERIOD = Range(1.0, MAX_PERIOD)
_GAMMA = Range(0.0, 1.0, low_inclusive=False)
_ETA_MIN = Range(0.0, 1e3)
SCHEDULES: dict[str, Schedule] = {s.name: s for s in [
    Schedule("constant", CONSTANT, "Constant", "The same learning rate at every step.", "no scheduler", ()),
    Schedule("step", STEP, "Step decay", "Multiplies the learning rate by γ every few steps: a staircase down.",
             "StepLR", (
                 ScheduleParam("step_size", SP_STEP_SIZE, 100, _PERIOD, "steps per drop",
                               "updates between two drops (torch: step_size)", "run_quarter"),
                 ScheduleParam("gamma", SP_GAMMA, 0.5, _GAMMA, "drop factor γ",
                               "the factor at each drop (torch: gamma)", "fixed"))),
    Schedule("exponential", EXPONENTIAL, "Exponential decay", "Multiplies the learning rate by γ after every step.",
             "ExponentialLR", (
                 ScheduleParam("gamma", SP_GAMMA, 0.99, _GAMMA, "factor per step γ",
                               "the factor after each update (torch: gamma)", "final_per_step"),)),
    Schedule("cosine", COSINE, "Cosine annealing",
             "Glides from η down to the lowest rate along half a cosine, then back up.", "CosineAnnealingLR", (
                 ScheduleParam("T_max", SP_T_MAX, 200, _PERIOD, "steps to the lowest rate",
                               "updates of one half cosine period (torch: T_max)", "run"),
                 ScheduleParam("eta_min", SP_ETA_MIN, 0.0, _ETA_MIN, "lowest rate",
                               "the smallest learning rate (torch: eta_min)", "fixed"))),
    Schedule("warmup_cosine", WARMUP_COSINE, "Warm-up, then cosine",
             "Grows linearly from a fraction of η during the warm-up, then glides down along a cosine.",
             "SequentialLR(LinearLR, CosineAnnealingLR)", (
                 ScheduleParam("warmup", SP_WARMUP, 20, _PERIOD, "warm-up steps",
                               "updates of linear warm-up (torch: LinearLR's total_iters)", "run_tenth"),
                 ScheduleParam("T_max", SP_T_MAX, 180, _PERIOD, "steps to the lowest rate after it",
                               "updates of cosine annealing after the warm-up (torch: T_max)", "after_warmup"),
                 ScheduleParam("start_factor", SP_START_FACTOR, 0.1, Range(0.0, 1.0, low_inclusive=False),
                               "starting fraction", "fraction of η at the first update (torch: start_factor)",
                               "fixed"),
                 ScheduleParam("eta_min", SP_ETA_MIN, 0.0, _ETA_MIN, "lowest rate",
                               "the smallest learning rate (torch: eta_min)", "fixed"))),
    Schedule("inverse_time", INVERSE_TIME, "1/t decay", "Divides η by 1 + k·t: it has halved after 1/k steps.",
             "LambdaLR(lambda e: 1 / (1 + k·e))", (
                 ScheduleParam("k", SP_K, 0.01, Range(0.0, 1e3), "decay rate k",
                               "the rate halves after 1/k updates", "final_inverse"),)),
]}


def get_schedule(name: str) -> Schedule:
    return lookup("schedule", name, SCHEDULES)


def run_defaults(schedule: str, steps: int) -> dict[str, float]:
    """Parameter defaults of ``schedule`` that suit a run of ``steps`` updates (always valid values)."""
    steps = max(1, steps)
    warmup = max(1, steps // WARMUP_SHARE)
    scaled = {"run_quarter": max(1, steps // STEP_PHASES), "run_tenth": warmup, "after_warmup": max(1, steps - warmup),
              "run": steps, "final_per_step": FINAL_FRACTION ** (1.0 / steps),  # γ^steps = FINAL_FRACTION
              "final_inverse": (1.0 / FINAL_FRACTION - 1.0) / steps}  # 1/(1 + k·steps) = FINAL_FRACTION
    return {p.name: p.clamped(p.default if p.scaling == "fixed" else scaled[p.scaling])
            for p in get_schedule(schedule).params}


def lr_curve(schedule: str, values: tuple[tuple[str, float], ...], base_lr: float, steps: int) -> np.ndarray:
    """The learning rate of updates 1…steps, for drawing the schedule under the loss curves."""
    spec = get_schedule(schedule)
    sp = spec.vector(values)
    return np.array([scheduled_lr(spec.kind, sp, base_lr, t) for t in range(1, steps + 1)])
