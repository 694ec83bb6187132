"""Effective step sizes, velocities and the results-table numbers, checked against the recorded updates."""
from __future__ import annotations

import numpy as np
import pytest

from simulation.diagnostics import effective_step_sizes, summarize, velocities
from simulation.engine import run
from simulation.settings import make_settings

STEPS = 60
# Optimizers whose update is exactly −(effective step) × (first moment m, state slot 0).
MOMENT_SCALED = {"adam": {"lr": 0.05}, "amsgrad": {"lr": 0.05}, "adamax": {"lr": 0.05},
                 "radam": {"lr": 0.05}}
# Optimizers whose update is exactly −(effective step) × (the gradient used).
GRADIENT_SCALED = {"adagrad": {"lr": 0.2}, "rmsprop": {"lr": 0.02}, "adadelta": {"lr": 1.0}}


def _result(optimizer: str, hyperparameters: dict, surface: str = "rosenbrock", steps: int = STEPS):
    return run(make_settings(surface, [(optimizer, hyperparameters)], steps), record_state=True)


@pytest.mark.parametrize("optimizer", sorted(MOMENT_SCALED))
def test_the_effective_step_times_the_first_moment_is_the_update(optimizer):
    result = _result(optimizer, MOMENT_SCALED[optimizer])
    step = effective_step_sizes(result, 0)
    first_moment = result.states[0, 1:, 0]
    np.testing.assert_allclose(-step * first_moment, result.updates[0], rtol=1e-9, atol=1e-14)


@pytest.mark.parametrize("optimizer", sorted(GRADIENT_SCALED))
def test_the_effective_step_times_the_gradient_is_the_update(optimizer):
    result = _result(optimizer, GRADIENT_SCALED[optimizer])
    step = effective_step_sizes(result, 0)
    np.testing.assert_allclose(-step * result.grads[0], result.updates[0], rtol=1e-9, atol=1e-14)


def test_adagrad_steps_only_shrink_while_rmsprop_recovers():
    adagrad = effective_step_sizes(_result("adagrad", {"lr": 0.1}, steps=300), 0)
    rmsprop = effective_step_sizes(_result("rmsprop", {"lr": 0.01}, steps=300), 0)
    assert np.all(np.diff(adagrad, axis=0) <= 0)
    assert np.any(np.diff(rmsprop, axis=0) > 0)


def test_lion_moves_every_coordinate_by_exactly_lr():
    result = _result("lion", {"lr": 0.01})
    np.testing.assert_allclose(effective_step_sizes(result, 0), 0.01)
    np.testing.assert_allclose(np.abs(result.updates[0]), 0.01, rtol=1e-9)


def test_non_adaptive_methods_have_no_effective_step():
    assert effective_step_sizes(_result("gd", {"lr": 1e-3}), 0) is None


def test_effective_steps_need_recorded_state():
    result = run(make_settings("bowl", [("adam", {})], 5))
    with pytest.raises(ValueError, match="record_state"):
        effective_step_sizes(result, 0)


def test_momentum_velocity_is_the_carried_part_of_each_update():
    lr, mu = 0.01, 0.9
    result = _result("momentum", {"lr": lr, "momentum": mu}, surface="ravine")
    carried = velocities(result, 0)
    # heavy ball: update s+1 = −lr·g(s+1) − lr·μ·b(s) = −lr·g + velocity[s]
    np.testing.assert_allclose(result.updates[0], -lr * result.grads[0] + carried, rtol=1e-9, atol=1e-14)
    assert velocities(_result("gd", {"lr": lr}), 0) is None
    assert velocities(_result("rmsprop", {"lr": lr}), 0) is None  # plain RMSProp has no momentum


def test_summary_of_gradient_descent_on_the_bowl_matches_the_closed_form():
    # f = x² + y² and GD with lr 0.1 shrink the position by 0.8 per step, so f(t) = f(0)·0.64^t.
    settings = make_settings("bowl", [("gd", {"lr": 0.1})], 100, start=(1.0, 0.5))
    row = summarize(run(settings, record_state=True), tolerance=1e-3)[0]
    f0 = 1.25
    expected = int(np.ceil(np.log(1e-3 / f0) / np.log(0.64)))
    assert row.steps_to_tolerance == expected
    assert row.final_loss == pytest.approx(f0 * 0.64 ** 100, rel=1e-6)
    assert row.distance_to_minimum == pytest.approx(np.hypot(1.0, 0.5) * 0.8 ** 100, rel=1e-6)
    assert row.status == "ran every step"


def test_a_diverged_run_reports_its_step_and_no_final_loss():
    row = summarize(run(make_settings("ravine", [("gd", {"lr": 0.5})], 200), record_state=True))[0]
    assert row.diverged_at is not None
    assert row.final_loss is None and row.distance_to_minimum is None
    assert row.status == f"diverged at step {row.diverged_at}"


def test_surfaces_without_a_minimum_have_no_distance_or_steps():
    row = summarize(run(make_settings("saddle", [("adam", {"lr": 0.05})], 50), record_state=True))[0]
    assert row.distance_to_minimum is None and row.steps_to_tolerance is None
    assert row.final_loss is not None
