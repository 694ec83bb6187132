"""How a run ended is named by its cause: ran, exploded, diverged, left the function's domain, or never
started because the function is undefined at the start."""
import numpy as np

from simulation import engine
from simulation.diagnostics import summarize
from simulation.outcomes import DIVERGED, EXPLODED, RAN, UNDEFINED, UNDEFINED_AT_START, classify, classify_all
from simulation.settings import make_settings
from simulation.sweep import sweep
from viz.stability_colors import EXPLODED as EXPLODED_CELL
from viz.stability_colors import outcome_classes


def _outcomes(surface, runs, steps):
    return classify_all(engine.run(make_settings(surface, runs, steps=steps)))


def test_a_function_undefined_at_the_start_takes_no_step_and_says_so():
    (outcome,) = _outcomes("expr:exp(exp(exp(x)))+y**2", [("gd", {"lr": 0.01})], 10)
    assert (outcome.kind, outcome.step) == (UNDEFINED_AT_START, 0)
    assert "no finite value at the start" in outcome.message and "learning rate" not in outcome.message


def test_leaving_the_domain_of_log_is_not_called_divergence():
    outcomes = _outcomes("expr:log(x)+y**2", [("momentum", {"lr": 0.01}), ("adam", {"lr": 0.01})], 400)
    assert [o.kind for o in outcomes] == [UNDEFINED, UNDEFINED]
    for outcome in outcomes:
        assert "no finite value" in outcome.message and "diverged" not in outcome.message
        assert outcome.status == f"left the function's domain at step {outcome.step}"


def test_a_loss_of_1e144_is_an_explosion_not_a_run_that_ran_every_step():
    result = engine.run(make_settings("ravine", [("gd", {"lr": 0.2}), ("gd", {"lr": 0.05})], steps=150))
    exploded, fine = classify_all(result)
    assert exploded.kind == EXPLODED and result.losses[0, -1] > 1e100
    assert f"{result.losses[0, -1]:.3g}" in exploded.message
    assert fine.kind == RAN and fine.message is None
    assert [row.status for row in summarize(result)] == [f"exploded at step {exploded.step}", "ran every step"]


def test_leaving_the_bound_is_divergence():
    result = engine.run(make_settings("ravine", [("gd", {"lr": 0.2})], steps=400))
    outcome = classify(result, 0)
    assert outcome.kind == DIVERGED and outcome.step == result.diverged_at[0]
    x, y, _ = result.stops[0]
    assert not (np.isfinite(x) and np.isfinite(y) and max(abs(x), abs(y)) <= 1e100)


def test_the_stability_map_calls_exploded_cells_exploded():
    result = sweep(make_settings("ravine", [("momentum", {})], steps=150), [0.01, 0.2], "momentum", [0.0])
    classes = outcome_classes(result, 0.0)
    assert result.diverged_at[0, 1] < 0 and result.final_loss[0, 1] > 1e100
    assert classes[0, 1] == EXPLODED_CELL and classes[0, 0] != EXPLODED_CELL


def test_an_overflow_after_huge_losses_is_divergence_not_a_hole_in_the_function():
    (outcome,) = _outcomes("beale", [("gd", {"lr": 0.05})], 1000)
    assert outcome.kind == DIVERGED
