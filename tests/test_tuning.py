"""Learning-rate tuning: the tuned rate never loses to the default, divergence ranks last, and the numbers are
the engine's own."""
import math

import numpy as np
import pytest

from simulation import engine
from simulation.settings import make_run, make_settings
from simulation.sweep import sweep
from simulation.tuning import (DIVERGED, REACHED, Outcome, best_cell, lr_grid, rank_key, target_loss, tune,
                               tune_run)
from validation import ValidationError

STEPS = 200
SMALL_GRID = lr_grid(1e-4, 1.0, 4)  # 17 candidates: enough to find the good region, cheap to run


@pytest.mark.parametrize("surface, optimizers", [
    ("ravine", ["gd", "momentum", "adam", "adadelta"]),
    ("rosenbrock", ["gd", "nag", "rmsprop", "lion"]),
    ("saddle", ["gd", "adagrad"]),  # no minimum: the objective is the final loss alone
])
def test_the_tuned_rate_is_at_least_as_good_as_the_default(surface, optimizers):
    settings = make_settings(surface, [(name, {}) for name in optimizers], steps=STEPS)
    target = target_loss(settings, 1e-6)
    for tuned in tune(settings, SMALL_GRID):
        assert rank_key(tuned.tuned, target) <= rank_key(tuned.default, target), tuned.run.optimizer


def test_tuning_gradient_descent_on_the_ravine_finds_the_minimum_the_default_misses():
    settings = make_settings("ravine", [("gd", {})], steps=STEPS)
    (tuned,) = tune(settings, SMALL_GRID)
    assert tuned.default.steps_to_tolerance == -1 and tuned.tuned.steps_to_tolerance > 0
    assert tuned.tuned.lr < 0.1, "gradient descent diverges on the ravine for lr > 2/λ_max = 0.1"


def test_a_diverged_run_ranks_below_every_finite_one():
    diverged = Outcome(0.5, math.nan, -1, 7)
    awful = Outcome(1e-3, 1e30, -1, -1)
    assert rank_key(diverged, 0.0)[0] == DIVERGED
    assert rank_key(awful, 0.0) < rank_key(diverged, 0.0)


def test_a_diverging_default_is_replaced_and_a_diverging_grid_never_wins():
    settings = make_settings("ravine", [("gd", {"lr": 0.5})], steps=STEPS)
    (from_diverged,) = tune(settings, SMALL_GRID)
    assert from_diverged.default.diverged and not from_diverged.tuned.diverged

    settings = make_settings("ravine", [("gd", {"lr": 0.05})], steps=STEPS)
    (kept,) = tune(settings, [0.5, 1.0, 2.0])  # every candidate diverges
    assert all(c.diverged for c in kept.candidates)
    assert kept.tuned == kept.default


def test_ties_keep_the_default():
    settings = make_settings("ravine", [("gd", {"lr": 0.05})], steps=STEPS)
    (tuned,) = tune(settings, [0.05])
    assert tuned.tuned is tuned.default  # the same lr in the grid ties, and the default is kept


def test_reaching_the_minimum_sooner_beats_a_lower_final_loss_within_tolerance():
    fast = Outcome(0.1, 1e-8, 12, -1)
    slow_but_lower = Outcome(0.05, 1e-20, 40, -1)
    assert rank_key(fast, 1e-6) < rank_key(slow_but_lower, 1e-6)
    assert rank_key(fast, 1e-6)[0] == REACHED


def test_outcomes_are_the_engines_own_numbers():
    settings = make_settings("rosenbrock", [("adam", {})], steps=STEPS)
    tuned = tune_run(settings, settings.runs[0], SMALL_GRID)
    single = engine.run(make_settings("rosenbrock", [tuned.tuned_run], steps=STEPS))
    assert single.diverged_at[0] is None
    assert tuned.tuned.final_loss == single.losses[0, -1]
    assert tuned.tuned_run.values["lr"] == tuned.tuned.lr


def test_best_cell_of_a_map_follows_the_same_objective():
    settings = make_settings("ravine", [("momentum", {})], steps=STEPS)
    result = sweep(settings, np.logspace(-2, 0, 12), "momentum", np.linspace(0, 0.9, 6))
    row, col = best_cell(result, target_loss(settings, 1e-6))
    reached = np.where(result.steps_to_tolerance >= 0, result.steps_to_tolerance, np.iinfo(np.int64).max)
    assert result.diverged_at[row, col] == -1 and reached[row, col] == reached.min()


def test_bad_searches_are_refused():
    with pytest.raises(ValidationError, match="0 < low < high"):
        lr_grid(1.0, 0.1)
    with pytest.raises(ValidationError, match="at most"):
        lr_grid(1e-300, 1.0, 100)
    settings = make_settings("bowl", [("gd", {})], steps=10)
    with pytest.raises(ValidationError, match="lr must be in"):
        tune(settings, [-1.0])
    scheduled = make_run("gd", {}, schedule="cosine")
    with pytest.raises(ValidationError, match="constant learning rate"):
        tune_run(settings, scheduled, SMALL_GRID)


def test_the_default_grid_spans_every_torch_default():
    grid = lr_grid()
    assert grid[0] <= 1e-4 and grid[-1] >= 1.0  # Lion's 1e-4 … AdaDelta's 1.0
    assert np.allclose(np.diff(np.log10(grid)), 1 / 8)
