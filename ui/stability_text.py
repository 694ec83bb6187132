"""The stability map's teaching prose: what the page says about the map, its theory and its runs.

Every sentence is built from the numbers on screen (plain Python, no Streamlit).
"""
from __future__ import annotations

import math

from optimizers.spec import Hyperparameter
from simulation import diagnostics, tuning
from simulation.engine import Result
from simulation.outcomes import EXPLODED, EXPLOSION_FACTOR, classify
from simulation.settings import CONVERGED_GAP
from simulation.sweep import QuadraticTheory

MOMENTUM_RULES = ("heavy_ball", "nesterov")  # stability rules (the registry's) whose limit in μ is drawn


def intro(second: Hyperparameter) -> str:
    """What a cell of the map is, naming the hyperparameter of its rows."""
    return ("Every cell of the map is one complete run: the same surface, start and number of steps, with the "
            f"learning rate η of its column and the {second.label} of its row. The colour tells how the run "
            "ended. Too small a step crawls (left), too large a step blows up (right, dark red), and the fastest "
            "settings sit just left of the edge. **Click a cell** to watch its path.")


COLOR_HELP = ("Final loss: how close to the minimum the run ended (log scale). Steps to converge: the first "
              "step with the loss within {tol:g} of the minimum. Outcome: one colour per kind of ending.")


def fan_caption(second: Hyperparameter) -> str:
    return ("Dark paths take small steps and crawl; brighter ones take larger steps and overshoot. The "
            "brightest is the first learning rate of the map's row that fails (a cross marks where a run "
            f"diverged). The {second.label} is that of the cell shown on the map tab.")


TUNE_INTRO = ("Comparing optimizers at their default learning rates mostly compares the defaults. Here each one "
              "gets the same budget of trial runs to find its best learning rate first, on the surface, start "
              "and number of steps chosen in the sidebar.")
TUNE_CAPTION = ("With every learning rate tuned, the step at which each optimizer reached the minimum is the "
                "fair race; with the defaults, the race mostly measures how well each default suits this surface.")


def theory_caption(theory: QuadraticTheory, stability_rule: str) -> str:
    """What the lines on the map mean, with this quadratic's numbers, for an optimizer whose registry
    ``stability_rule`` is ``stability_rule``."""
    facts = (f"This surface is a quadratic with curvatures λ_min = {theory.lam_min:g} and "
             f"λ_max = {theory.lam_max:g} (condition number κ = {theory.condition:g}). ")
    gd = (f"Plain gradient descent (μ = 0, the bottom row) diverges once η > 2/λ_max = {theory.gd_max_lr:.3g} "
          "(dashed line): the step overshoots the steepest direction by more than it gains. ")
    if stability_rule not in MOMENTUM_RULES:
        return ("The lines of gradient-descent theory are not drawn for adaptive methods: they rescale every "
                "step by the gradients' own size, so their boundary lies elsewhere. " + facts)
    if stability_rule == "nesterov":
        return (facts + gd + "Nesterov momentum with μ = 0 is gradient descent; for μ > 0 it converges for "
                "η < 2(1+μ)/((1+2μ)·λ_max) (solid line), a little left of heavy ball's 2(1+μ)/λ_max — "
                "braking early costs step size.")
    return (facts + gd + "Heavy-ball momentum converges for 0 ≤ μ < 1 and η < 2(1+μ)/λ_max (solid line): "
            "momentum buys a larger stable step. The fastest setting (Polyak) is "
            f"η* = 4/(√λ_max + √λ_min)² = {theory.optimal_lr:.3g} and μ* = ((√κ − 1)/(√κ + 1))² = "
            f"{theory.optimal_beta:.3f} (star): the more elongated the bowl, the more momentum pays.")


def gd_best_rate(theory: QuadraticTheory) -> float:
    """The factor by which gradient descent at its best η = 2/(λ_min + λ_max) shrinks the distance to the
    minimum per step: (κ − 1)/(κ + 1)."""
    return (theory.condition - 1.0) / (theory.condition + 1.0)


def heavy_ball_best_rate(momentum: float) -> float:
    """The best factor per step heavy ball with momentum μ can reach on any quadratic, whatever η: √μ (each
    curvature's two modes multiply to μ, so the slower one shrinks by at least √μ)."""
    return math.sqrt(momentum)


def fixed_momentum_note(theory: QuadraticTheory, momentum: float) -> str | None:
    """Why heavy ball, tuned in η only, loses to gradient descent on this quadratic; None where its fixed μ
    does not hold it back that far."""
    fixed, gd = heavy_ball_best_rate(momentum), gd_best_rate(theory)
    if fixed <= gd:
        return None
    polyak = (math.sqrt(theory.condition) - 1.0) / (math.sqrt(theory.condition) + 1.0)
    return (f"Only η is searched, so heavy-ball momentum keeps μ = {momentum:g}: in the long run its distance "
            f"to the minimum then shrinks at best by a factor √μ = {fixed:.3f} per step, whatever η. On this "
            f"quadratic (κ = {theory.condition:g}) gradient descent at its best η shrinks it by "
            f"(κ − 1)/(κ + 1) = {gd:.3f} per step, so here no η lets momentum match gradient descent's best. At "
            f"Polyak's μ* = {theory.optimal_beta:.3f} momentum would shrink it by (√κ − 1)/(√κ + 1) = "
            f"{polyak:.3f} per step: the star on the map tab.")


def all_descending_note(steps: int, tolerance: float = CONVERGED_GAP) -> str:
    """For an outcome map on which every run is still descending (one colour)."""
    return (f"Every cell is still descending after {steps} steps: none came within {tolerance:g} of the minimum "
            "and none blew up, so the outcome colouring shows one colour. Colour by final loss to see which "
            "settings got closest, or give every run more steps.")


def describe_run(result: Result, tolerance: float = CONVERGED_GAP) -> str:
    """One sentence on how run 0 of ``result`` ended (from the playground's numbers-table summary)."""
    row = diagnostics.summarize(result, tolerance)[0]
    if row.diverged_at is not None:
        return f"diverged at step {row.diverged_at}"
    if classify(result, 0).kind == EXPLODED:
        return (f"{row.status} (its loss grew past {EXPLOSION_FACTOR:.0e} times its start) and ended at loss "
                f"{row.final_loss:.4g}")
    if row.steps_to_tolerance is not None:
        return f"reached the minimum (loss within {tolerance:g}) at step {row.steps_to_tolerance}"
    return f"ended at loss {row.final_loss:.4g} after {result.settings.steps} steps"


def outcome_text(outcome: tuning.Outcome) -> str:
    """How a candidate run ended, for the tuning table."""
    if outcome.diverged:
        return f"diverged at step {outcome.diverged_at}"
    if outcome.steps_to_tolerance >= 0 and math.isfinite(outcome.final_loss):
        return f"final loss {outcome.final_loss:.3g}, minimum reached at step {outcome.steps_to_tolerance}"
    return f"final loss {outcome.final_loss:.4g}"


def objective_text() -> str:
    """The tuning objective and its search grid, as the tune tab states them."""
    grid = tuning.lr_grid()
    return (f"**Objective:** {tuning.OBJECTIVE}. Each optimizer tries {grid.size} learning rates from "
            f"{grid[0]:g} to {grid[-1]:g} ({tuning.LR_POINTS_PER_DECADE} per factor of ten) plus its default, "
            "with every other hyperparameter at its torch.optim default, the same start and steps, and no "
            f"noise; “the minimum” means a loss within {CONVERGED_GAP:g} of it.")
