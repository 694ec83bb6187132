"""How a run ended: it ran every step, or it died — diverged, exploded or undefined — and at which step.

- *diverged*: it left the ``DIVERGENCE_BOUND`` box or reached a non-finite value (the engine stops it there);
- *exploded*: it stayed in the box, but its loss gap |f − f_min| grew past ``EXPLOSION_FACTOR`` times the
  gap at the start (|f| when the minimum is unknown) — a run on its way to infinity, not a result to read;
- *undefined*: the function has no finite value at the start itself.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EXPLOSION_FACTOR = 1e6
TINY_GAP = 1e-12  # a start on the minimum itself: any gap beyond a millionth of this is no explosion yet
RAN, DIVERGED, EXPLODED, UNDEFINED = "ran", "diverged", "exploded", "undefined"


@dataclass(frozen=True)
class Ending:
    """``kind`` (one of the four above) and the step at which the run died (None when it ran every step)."""

    kind: str
    step: int | None = None

    @property
    def died(self) -> bool:
        return self.kind != RAN


def run_ending(losses: np.ndarray, diverged_at: int | None, min_value: float | None) -> Ending:
    """The ending of one run from its losses (n+1,) and the engine's divergence step."""
    if diverged_at == 0:
        return Ending(UNDEFINED, 0)
    if diverged_at is not None:
        return Ending(DIVERGED, diverged_at)
    gaps = np.abs(losses - (0.0 if min_value is None else min_value))
    limit = EXPLOSION_FACTOR * max(float(gaps[0]), TINY_GAP)
    beyond = np.flatnonzero(gaps > limit)
    return Ending(EXPLODED, int(beyond[0])) if beyond.size else Ending(RAN)
