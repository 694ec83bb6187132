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


@dataclass(frozen=True)
class ScheduleParam:
    name: str  # torch's name, used in links and on the command line
    index: int  # its SP_* position
    default: float
    allowed: Range
    label: str  # a student's name for it
    help: str


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
                               "updates between two drops (torch: step_size)"),
                 ScheduleParam("gamma", SP_GAMMA, 0.5, _GAMMA, "drop factor γ",
                               "the factor at each drop (torch: gamma)"))),
    Schedule("exponential", EXPONENTIAL, "Exponential decay", "Multiplies the learning rate by γ after every step.",
             "ExponentialLR", (
                 ScheduleParam("gamma", SP_GAMMA, 0.99, _GAMMA, "factor per step γ",
                               "the factor after each update (torch: gamma)"),)),
    Schedule("cosine", COSINE, "Cosine annealing",
             "Glides from η down to the lowest rate along half a cosine, then back up.", "CosineAnnealingLR", (
                 ScheduleParam("T_max", SP_T_MAX, 200, _PERIOD, "steps to the lowest rate",
                               "updates of one half cosine period (torch: T_max)"),
                 ScheduleParam("eta_min", SP_ETA_MIN, 0.0, _ETA_MIN, "lowest rate",
                               "the smallest learning rate (torch: eta_min)"))),
    Schedule("warmup_cosine", WARMUP_COSINE, "Warm-up, then cosine",
             "Grows linearly from a fraction of η during the warm-up, then glides down along a cosine.",
             "SequentialLR(LinearLR, CosineAnnealingLR)", (
                 ScheduleParam("warmup", SP_WARMUP, 20, _PERIOD, "warm-up steps",
                               "updates of linear warm-up (torch: LinearLR's total_iters)"),
                 ScheduleParam("T_max", SP_T_MAX, 180, _PERIOD, "steps to the lowest rate after it",
                               "updates of cosine annealing after the warm-up (torch: T_max)"),
                 ScheduleParam("start_factor", SP_START_FACTOR, 0.1, Range(0.0, 1.0, low_inclusive=False),
                               "starting fraction", "fraction of η at the first update (torch: start_factor)"),
                 ScheduleParam("eta_min", SP_ETA_MIN, 0.0, _ETA_MIN, "lowest rate",
                               "the smallest learning rate (torch: eta_min)"))),
    Schedule("inverse_time", INVERSE_TIME, "1/t decay", "Divides η by 1 + k·t: it has halved after 1/k steps.",
             "LambdaLR(lambda e: 1 / (1 + k·e))", (
                 ScheduleParam("k", SP_K, 0.01, Range(0.0, 1e3), "decay rate k",
                               "the rate halves after 1/k updates"),)),
]}


def get_schedule(name: str) -> Schedule:
    return lookup("schedule", name, SCHEDULES)


def lr_curve(schedule: str, values: tuple[tuple[str, float], ...], base_lr: float, steps: int) -> np.ndarray:
    """The learning rate of updates 1…steps, for drawing the schedule under the loss curves."""
    spec = get_schedule(schedule)
    sp = spec.vector(values)
    return np.array([scheduled_lr(spec.kind, sp, base_lr, t) for t in range(1, steps + 1)])
