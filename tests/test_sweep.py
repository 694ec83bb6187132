"""Stability sweeps: cells equal single runs, and the measured boundary matches the theory on every convex
quadratic (the surfaces whose registry entry states a Hessian)."""
import json

import numpy as np
import pytest

from landscapes.registry import SURFACES
from simulation import engine
from simulation.settings import make_settings
from simulation.sweep import QuadraticTheory, quadratic_theory, sweep, sweep_axes
from validation import ValidationError
from cli_inprocess import run_cli

LRS = np.logspace(-3, 0, 60)
BETAS = np.linspace(0.0, 0.95, 20)
BOUNDARY_SPAN = np.logspace(-2, 0.75, 60)  # learning rates as multiples of gradient descent's limit 2/λ_max
BOUNDARY_CELL = BOUNDARY_SPAN[1] / BOUNDARY_SPAN[0]
QUADRATICS = [name for name, spec in SURFACES.items() if spec.hessian is not None]


def test_each_cell_is_the_run_the_engine_would_make():
    base = make_settings("rosenbrock", [("momentum", {})], steps=300)
    result = sweep(base, LRS[::10], "momentum", BETAS[::5])
    for i, beta in enumerate(BETAS[::5]):
        for j, lr in enumerate(LRS[::10]):
            single = engine.run(make_settings("rosenbrock", [("momentum", {"lr": lr, "momentum": beta})],
                                              steps=300))
            if single.diverged_at[0] is None:
                assert result.final_loss[i, j] == single.losses[0, -1]
                assert result.diverged_at[i, j] == -1
            else:
                assert result.diverged_at[i, j] == single.diverged_at[0]


def first_unstable_rates(surface: str, optimizer: str, betas: np.ndarray
                         ) -> tuple[QuadraticTheory, np.ndarray, list[int]]:
    """The surface's theory, a grid of learning rates around its gradient-descent limit, and for each momentum the
    index of the first rate at which the runs diverge (from there on every rate does)."""
    settings = make_settings(surface, [(optimizer, {})], steps=500)
    theory = quadratic_theory(settings)
    lrs = theory.gd_max_lr * BOUNDARY_SPAN
    result = sweep(settings, lrs, "momentum", betas)
    firsts = []
    for row in result.unstable:
        first = int(np.argmax(row))
        assert 0 < first and row[first:].all(), "stable at the grid's smallest rate, unstable from one rate on"
        firsts.append(first)
    return theory, lrs, firsts


@pytest.mark.parametrize("surface", QUADRATICS)
@pytest.mark.parametrize("betas", [BETAS, np.array([0.0])], ids=["heavy ball", "gradient descent (beta 0)"])
def test_measured_divergence_boundary_agrees_with_theory_within_one_cell(betas, surface):
    theory, lrs, firsts = first_unstable_rates(surface, "momentum", betas)
    for first, beta in zip(firsts, betas):
        predicted = theory.heavy_ball_max_lr(beta) if beta > 0 else theory.gd_max_lr
        # the boundary lies between the last stable and the first unstable grid value (one cell of slack)
        assert lrs[first - 1] <= predicted <= lrs[first] * BOUNDARY_CELL


@pytest.mark.parametrize("surface", QUADRATICS)
def test_nesterov_boundary_agrees_with_theory_within_one_cell(surface):
    theory, lrs, firsts = first_unstable_rates(surface, "nag", BETAS)
    for first, beta in zip(firsts, BETAS):
        assert lrs[first - 1] <= theory.nesterov_max_lr(beta) <= lrs[first] * BOUNDARY_CELL


def test_theory_of_the_quadratics():
    ravine = quadratic_theory(make_settings("ravine", [("gd", {})]))
    assert ravine.gd_max_lr == pytest.approx(0.1) and ravine.condition == 20
    assert ravine.optimal_beta == pytest.approx(((20**0.5 - 1) / (20**0.5 + 1)) ** 2)
    custom = quadratic_theory(make_settings("quadratic", [("gd", {})], surface_params={"condition": 100}))
    assert custom.lam_max == 100 and custom.optimal_lr == pytest.approx(4 / 121)
    assert quadratic_theory(make_settings("rosenbrock", [("gd", {})])) is None


def test_optimal_heavy_ball_setting_converges_fastest_nearby():
    settings = make_settings("ravine", [("momentum", {})], steps=500)
    theory = quadratic_theory(settings)
    lrs = theory.optimal_lr * np.array([0.5, 1.0, 1.5])
    betas = np.array([theory.optimal_beta * 0.5, theory.optimal_beta, min(0.99, theory.optimal_beta * 1.5)])
    result = sweep(settings, lrs, "momentum", betas, tolerance=1e-10)
    steps = np.where(result.steps_to_tolerance < 0, 10**9, result.steps_to_tolerance)
    assert steps[1, 1] == steps.min()


def test_bad_sweeps_are_refused():
    settings = make_settings("bowl", [("adam", {})])
    assert sweep_axes("adam") == ["beta1"] and sweep_axes("gd") == []
    with pytest.raises(ValidationError, match="cannot be swept over 'momentum'"):
        sweep(settings, LRS, "momentum", BETAS)
    with pytest.raises(ValidationError, match="beta1 must be in"):
        sweep(settings, LRS, "beta1", [1.0])
    with pytest.raises(ValidationError, match="lr must be in"):
        sweep(settings, [-1.0], "beta1", BETAS)


def test_sweeps_refuse_noise_and_schedules_instead_of_ignoring_them():
    with pytest.raises(ValidationError, match="without gradient noise"):
        sweep(make_settings("ravine", [("momentum", {})], noise=0.1), LRS, "momentum", BETAS)


def test_the_cli_prints_one_row_per_cell_and_json_with_theory():
    args = ["sweep", "--surface", "ravine", "--optimizer", "momentum", "--grid", "4x3", "--steps", "100"]
    done = run_cli(*args)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "lr,momentum,final_loss,steps_to_tolerance,diverged_at" and len(lines) == 1 + 12
    data = json.loads(run_cli(*args, "--format", "json").stdout)
    assert data["theory"]["gd_max_lr"] == pytest.approx(0.1) and len(data["cells"]) == 12
    never = [cell for cell in data["cells"] if cell["diverged_at"] is None]  # null, as in trajectory's JSON
    assert never and all(cell["diverged_at"] is None or cell["diverged_at"] > 0 for cell in data["cells"])
    bad = run_cli(*args[:-2], "--grid", "0x3")
    assert bad.returncode == 2 and "--grid first value must be an integer" in bad.stderr


def test_concurrent_sweeps_from_several_threads_agree():
    """App sessions run in threads; parallel kernels must not abort or mix their results."""
    from concurrent.futures import ThreadPoolExecutor

    settings = make_settings("ravine", [("momentum", {})], steps=200)
    expected = sweep(settings, LRS, "momentum", BETAS).final_loss
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: sweep(settings, LRS, "momentum", BETAS).final_loss, range(8)))
    for final in results:
        np.testing.assert_array_equal(final, expected)
