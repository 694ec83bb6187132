"""Checks that turn a :class:`claims.Claim` into a run of the engine and a yes or no.

Each check reads run 0 (and run 1, when it compares) of the claim's result. A check that cannot decide (the
surface has no known minimum where it needs one) is an error, not a pass.
"""
from __future__ import annotations

from typing import Callable

from dataclasses import replace

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
STRAIGHT = 1e-9  # a straight path strays less than this from the line through its start and the centre
BENT = 0.05  # a bent one strays more
SLOWER = 0.5  # "slows down": somewhere its step is less than this share of its first
FURTHER = 10.0  # "leaves the ridge": this many times the other's distance from it
AT_POINT = 1e-3  # ends "at" a registered point: within this distance
FLAT = 1e-3  # a gradient this small marks a stationary point
VALLEY_SHARE = 0.1  # "finds the valley": within this share of its steps …
VALLEY_DROP = 0.5  # … the loss falls below this share of the start's
FAR_FROM_MINIMUM = 1.0
SAME_DIMPLE = 0.25  # "stays in its dimple": ends this close to where it ends without noise (well under the
#                     unit spacing of Rastrigin's dimples)


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


def _end(result: Result, k: int) -> np.ndarray:
    return result.positions[k, result.n_points(k) - 1]


def _stray(result: Result, k: int) -> float:
    """How far run k strays from the straight line through its start and the surface's (first) minimum."""
    centre = np.asarray(result.settings.surface_spec.minima[0])
    path = result.positions[k, :result.n_points(k)] - centre
    direction = path[0] / np.hypot(*path[0])
    return float(np.max(np.abs(path[:, 0] * direction[1] - path[:, 1] * direction[0])))


def _heads_straight(result: Result) -> bool:
    return _stray(result, 0) < STRAIGHT


def _bends(result: Result) -> bool:
    return _stray(result, 0) > BENT


def _reversals(result: Result, k: int) -> float:
    dy = result.updates[k, :ZIGZAG_STEPS, 1]
    return float(np.mean(np.sign(dy[1:]) != np.sign(dy[:-1])))


def _zigzags_less(result: Result) -> bool:
    """Run 0's y-steps reverse direction less often than run 1's."""
    return _reversals(result, 0) < _reversals(result, 1)


def _valley_then_crawl(result: Result) -> bool:
    """Run 0's loss halves early, yet it ends far from the minimum."""
    early = max(1, int(VALLEY_SHARE * result.settings.steps))
    losses, minimum = result.losses[0], np.asarray(result.settings.surface_spec.minima[0])
    return bool(np.min(losses[:early + 1]) < VALLEY_DROP * losses[0]
                and np.hypot(*(_end(result, 0) - minimum)) > FAR_FROM_MINIMUM)


def _leaves_the_ridge(result: Result) -> bool:
    """Run 0 ends much further from the ridge y = y_start through the start than run 1 (the saddle's ridge
    runs along x, and y is the way down)."""
    y_start = result.positions[0, 0, 1]
    return bool(abs(_end(result, 0)[1] - y_start) > FURTHER * abs(_end(result, 1)[1] - y_start))


def _slows_down(result: Result) -> bool:
    """Somewhere along run 0 its step shrinks well below its first."""
    steps = np.hypot(*result.updates[0, :result.n_points(0) - 1].T)
    return bool(steps.min() < SLOWER * steps[0])


def _nearest(points, end: np.ndarray) -> int:
    return int(np.argmin([np.hypot(*(np.asarray(p) - end)) for p in points]))


def _different_minima(result: Result) -> bool:
    """Runs 0 and 1 end at different minima (global or local)."""
    spec = result.settings.surface_spec
    points = (*spec.minima, *spec.local_minima)
    ends = [_end(result, k) for k in (0, 1)]
    at = [min(np.hypot(*(np.asarray(p) - end)) for p in points) < AT_POINT for end in ends]
    return all(at) and _nearest(points, ends[0]) != _nearest(points, ends[1])


def _reaches(result: Result) -> bool:
    return _reach(result, 0) < np.inf


def _never_reaches(result: Result) -> bool:
    return not _reaches(result) and classify(result, 0).kind == RAN


def _ends_lower(result: Result) -> bool:
    return bool(result.losses[0, -1] < result.losses[1, -1])


def _ends_at_local_minimum(result: Result) -> bool:
    """Run 0 ends at a local minimum that is not global: a registered one, or (where none are registered) a
    stationary point above the minimum value."""
    spec, end = result.settings.surface_spec, _end(result, 0)
    if spec.local_minima:
        return min(np.hypot(*(np.asarray(p) - end)) for p in spec.local_minima) < AT_POINT
    gradient = spec.gradient(*end, spec.param_vector(dict(result.settings.surface_params)))
    return bool(np.hypot(*gradient) < FLAT and result.losses[0, -1] - spec.min_value > FLAT)


def _stays_put_under_noise(result: Result) -> bool:
    """Every run ends within ``SAME_DIMPLE`` of where the same run ends without gradient noise."""
    quiet = engine.run(replace(result.settings, noise=0.0))
    return all(np.hypot(*(_end(result, k) - _end(quiet, k))) < SAME_DIMPLE
               and quiet.diverged_at[k] is None and result.diverged_at[k] is None
               for k in range(len(result.settings.runs)))


CHECKS: dict[str, Callable[[Result], bool]] = {
    "reaches_first": _reaches_first, "zigzags": _zigzags, "overshoots": _overshoots,
    "overshoots_less": _overshoots_less, "diverges": _diverges, "step_shrinks": _step_shrinks,
    "tiny_first_steps": _tiny_first_steps, "first_step_lr_over_root": _first_step_lr_over_root,
    "first_step_lr_times_gradient": _first_step_lr_times_gradient, "hops_by_lr": _hops_by_lr,
    "settles": _settles, "ends_nearer_origin": _ends_nearer_origin, "heads_straight": _heads_straight,
    "bends": _bends, "zigzags_less": _zigzags_less, "valley_then_crawl": _valley_then_crawl,
    "leaves_the_ridge": _leaves_the_ridge, "slows_down": _slows_down, "different_minima": _different_minima,
    "reaches": _reaches, "never_reaches": _never_reaches, "ends_lower": _ends_lower,
    "ends_at_local_minimum": _ends_at_local_minimum, "stays_put_under_noise": _stays_put_under_noise,
}


def holds(claim: Claim) -> bool:
    """Run the claim's comparison and check it."""
    check = lookup("claim check", claim.check, CHECKS)
    runs = [(name, dict(values)) for name, values in claim.runs]
    start = None if claim.start is None else ",".join(map(str, claim.start))
    result = engine.run(make_settings(claim.surface, runs, steps=claim.steps, start=start, noise=claim.noise,
                                      surface_params=dict(claim.surface_params)), record_state=True)
    return check(result)
