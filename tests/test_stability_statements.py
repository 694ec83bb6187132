"""What the stability page says is true for the map it shows: the rows it names, the theory it draws (picked
by each optimizer's registry rule), why tuned momentum can lose, and a map of one colour."""
from __future__ import annotations

import math

import numpy as np
import pytest

from optimizers.registry import OPTIMIZERS
from simulation import engine, tuning
from simulation.settings import CONVERGED_GAP, make_settings
from simulation.sweep import quadratic_theory, sweep, sweep_axes
from test_stability_page import SMALL, _app, _map_traces, _ok
from ui import stability_state
from ui.stability_text import describe_run, gd_best_rate, heavy_ball_best_rate
from viz.stability import stability_figure

RULE_TRACES = {"heavy_ball": "momentum limit η = 2(1+μ)/λ_max",
               "nesterov": "Nesterov limit η = 2(1+μ)/((1+2μ)λ_max)"}
LATE = (150, 250)  # steps over which a run's per-step contraction is measured (past the transient)
ENVELOPE = 30  # steps: the largest distance in a window this long spans an oscillation of the runs measured


def _markdown(at) -> str:
    return " ".join(m.value for m in at.markdown)


def test_the_intro_names_the_rows_the_map_has():
    at = _ok(_app(**SMALL).run())
    assert "learning rate η of its column and the momentum μ of its row" in _markdown(at)
    _ok(at.sidebar.selectbox(key=stability_state.OPTIMIZER_KEY).set_value("adam").run())
    assert "the β1 of its row" in _markdown(at) and "momentum" not in _markdown(at).split("Click")[0]


@pytest.mark.parametrize("name", stability_state.SWEEPABLE)
def test_the_theory_drawn_is_the_one_the_registry_names(name):
    settings = make_settings("ravine", [(name, {})], steps=10)
    result = sweep(settings, [0.01, 0.1], sweep_axes(name)[0], [0.0, 0.5])
    rule = OPTIMIZERS[name].stability_rule
    names = [t.name for t in stability_figure(result, theory=quadratic_theory(settings), stability_rule=rule).data]
    assert {rule_ for rule_, trace in RULE_TRACES.items() if trace in names} == ({rule} & set(RULE_TRACES))
    axis = OPTIMIZERS[name].hyperparameter(sweep_axes(name)[0])
    assert stability_figure(result).layout.yaxis.title.text == axis.label


def _contraction(optimizer: str, values: dict[str, float]) -> float:
    """The measured factor per step by which a ravine run's distance to the minimum shrinks, late in the run
    (from the largest distance in a window, so an oscillating run is not caught at a zero crossing)."""
    result = engine.run(make_settings("ravine", [(optimizer, values)], steps=LATE[1] + ENVELOPE))
    distance = np.hypot(*result.positions[0].T)
    late, early = (distance[t:t + ENVELOPE].max() for t in (LATE[1], LATE[0]))
    return float((late / early) ** (1.0 / (LATE[1] - LATE[0])))


def test_heavy_ball_with_fixed_momentum_shrinks_no_faster_than_root_mu_and_loses_to_tuned_gd_on_the_ravine():
    settings = make_settings("ravine", [("gd", {}), ("momentum", {})], steps=300)
    theory, mu = quadratic_theory(settings), OPTIMIZERS["momentum"].defaults["momentum"]
    gd, momentum = tuning.tune(settings)
    assert 0 <= gd.tuned.steps_to_tolerance < momentum.tuned.steps_to_tolerance  # what the tune tab shows
    fixed = _contraction("momentum", {"lr": momentum.tuned.lr, "momentum": mu})
    assert fixed >= heavy_ball_best_rate(mu) - 1e-3  # never faster than √μ
    best_gd = _contraction("gd", {"lr": 2 / (theory.lam_min + theory.lam_max)})
    assert best_gd == pytest.approx(gd_best_rate(theory), abs=1e-3) and best_gd < fixed
    polyak = _contraction("momentum", {"lr": theory.optimal_lr, "momentum": theory.optimal_beta})
    assert polyak == pytest.approx((math.sqrt(theory.condition) - 1) / (math.sqrt(theory.condition) + 1), abs=0.02)


def test_the_tune_tab_says_why_tuned_momentum_loses_on_the_ravine():
    at = _ok(_app(**{stability_state.GRID_KEY: 25, stability_state.TAB_KEY: stability_state.TABS["tune"]}).run())
    _ok(at.button(key="stability.tune_button").click().run())
    note = next(i.value for i in at.info if "Only η is searched" in i.value)
    assert "√μ = 0.949" in note and "(κ − 1)/(κ + 1) = 0.905" in note and "no η lets momentum match" in note


def test_a_map_of_runs_all_still_descending_says_so():
    at = _ok(_app(**{stability_state.GRID_KEY: 25, stability_state.STEPS_KEY: 300,
                     stability_state.SURFACE_KEY: "rosenbrock", stability_state.OPTIMIZER_KEY: "adam",
                     stability_state.COLOR_KEY: "outcome"}).run())
    note = next(i.value for i in at.info if "still descending" in i.value)
    assert f"none came within {CONVERGED_GAP:g} of the minimum" in note
    _ok(at.sidebar.radio(key=stability_state.COLOR_KEY).set_value("final_loss").run())
    assert not [i for i in at.info if "still descending" in i.value]
    assert "still descending" in _map_traces(_ok(at.sidebar.radio(key=stability_state.COLOR_KEY)
                                                 .set_value("outcome").run()))


def test_the_cell_caption_names_an_exploded_run():
    result = engine.run(make_settings("ravine", [("gd", {"lr": 0.2})], steps=150))
    text = describe_run(result)
    assert text.startswith("exploded at step") and "ended at loss" in text, text
