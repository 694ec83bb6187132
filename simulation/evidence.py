"""Checks that turn a :class:`claims.Claim` into a run of the engine and a yes or no.

Each check reads run 0 (and run 1, when it compares) of the claim's result. A check that cannot decide (the
surface has no known minimum where it needs one) is an error, not a pass.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from claims import Claim
from simulation import engine
from simulation.diagnostics import effective_step_sizes, summarize
from simulation.engine import Result
from simulation.outcomes import RAN, classify
from simulation.settings import make_settings
from validation import lookup

ZIGZAG_SHARE = 0.8  # of the first steps, the share whose y-step reverses the previous one
ZIGZAG_STEPS = 20
TINY_STEP = 0.01  # "tiny": each coordinate moves less than this in each of the first steps
FIRST_STEPS = 5
HOP_STEPS = 20  # the last steps over which a sign method must hop by exactly its learning rate
SETTLED_GAP = 1e-20


def _reach(result: Result, k: int) -> float:
    steps = summarize(result)[k].steps_to_tolerance
    return np.inf if steps is None else steps


def _reaches_first(result: Result) -> bool:
    """Run 0 comes near the minimum in fewer steps than run 1 (which may never)."""
    return _reach(result, 0) < _reach(result, 1)


def _zigzags(result: Result) -> bool:
    """Run 0's y-steps reverse direction in most of its first steps: across the ravine and back."""
    dy = result.updates[0, :ZIGZAG_STEPS, 1]
    return np.mean(np.sign(dy[1:]) != np.sign(dy[:-1])) >= ZIGZAG_SHARE


def _overshoot(result: Result, k: int) -> float:
    """How far run k's x went past the minimum's x, in the direction it came from."""
    x_min = result.settings.surface_spec.minima[0][0]
    x = result.positions[k, :result.n_points(k), 0] - x_min
    return float(np.max(-np.sign(x[0]) * x))


def _overshoots(result: Result) -> bool:
    return _overshoot(result, 0) > 0


def _overshoots_less(result: Result) -> bool:
    return 0 < _overshoot(result, 0) < _overshoot(result, 1)


def _diverges(result: Result) -> bool:
    """Run 0 blows up: it diverges, or its loss explodes."""
    return classify(result, 0).kind != RAN


def _step_shrinks(result: Result) -> bool:
    """Run 0's effective step never grows, in either coordinate."""
    return bool(np.all(np.diff(effective_step_sizes(result, 0), axis=0) <= 0))


def _tiny_first_steps(result: Result) -> bool:
    """Run 0's first steps are tiny in every coordinate, and grow."""
    steps = np.abs(result.updates[0, :FIRST_STEPS]).max(axis=1)
    return bool(np.all(steps < TINY_STEP) and np.all(np.diff(steps) > 0))


def _first_step_lr_over_root(result: Result) -> bool:
    """Run 0's first step is η/√(1−ρ) in every coordinate, whatever the gradient."""
    values = result.settings.runs[0].values
    expected = values["lr"] / np.sqrt(1.0 - values["rho"])
    return bool(np.allclose(np.abs(result.updates[0, 0]), expected, rtol=1e-3))


def _first_step_lr_times_gradient(result: Result) -> bool:
    """Run 0's first step is −η·g: a plain gradient step."""
    lr = result.settings.runs[0].values["lr"]
    return bool(np.allclose(result.updates[0, 0], -lr * result.grads[0, 0], rtol=1e-12, atol=0))


def _hops_by_lr(result: Result) -> bool:
    """Run 0 never settles: in its last steps every coordinate moves by exactly η, and the loss stays above
    the minimum."""
    lr = result.settings.runs[0].values["lr"]
    gap = result.losses[0, -1] - result.settings.surface_spec.min_value
    return bool(np.allclose(np.abs(result.updates[0, -HOP_STEPS:]), lr, rtol=1e-9) and gap > 0)


def _settles(result: Result) -> bool:
    """Run 0 ends at the minimum, to rounding."""
    return bool(result.losses[0, -1] - result.settings.surface_spec.min_value < SETTLED_GAP)


def _ends_nearer_origin(result: Result) -> bool:
    return bool(np.hypot(*result.positions[0, -1]) < np.hypot(*result.positions[1, -1]))


CHECKS: dict[str, Callable[[Result], bool]] = {
    "reaches_first": _reaches_first, "zigzags": _zigzags, "overshoots": _overshoots,
    "overshoots_less": _overshoots_less, "diverges": _diverges, "step_shrinks": _step_shrinks,
    "tiny_first_steps": _tiny_first_steps, "first_step_lr_over_root": _first_step_lr_over_root,
    "first_step_lr_times_gradient": _first_step_lr_times_gradient, "hops_by_lr": _hops_by_lr,
    "settles": _settles, "ends_nearer_origin": _ends_nearer_origin,
}


def holds(claim: Claim) -> bool:
    """Run the claim's comparison and check it."""
    check = lookup("claim check", claim.check, CHECKS)
    runs = [(name, dict(values)) for name, values in claim.runs]
    start = None if claim.start is None else ",".join(map(str, claim.start))
    result = engine.run(make_settings(claim.surface, runs, steps=claim.steps, start=start), record_state=True)
    return check(result)
