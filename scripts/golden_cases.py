"""The cases of the golden trajectories: per optimizer and surface, torch's defaults, a suggested step size from a
second start, and one non-default hyperparameter set; plus runs that diverge on purpose and extra surface
parameters. ``scripts/generate_golden.py`` runs them in torch.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runs from anywhere, like the generators

from landscapes.registry import SURFACES  # noqa: E402
from optimizers.registry import OPTIMIZERS  # noqa: E402

STEPS = 300  # "several hundred steps", as the acceptance check uses

# A second start per surface, away from the default one and from every critical point.
ALTERNATE_STARTS = {
    "bowl": (1.7, 0.9), "ravine": (4.0, -2.5), "rosenbrock": (-0.5, -0.5), "saddle": (-1.0, 0.5),
    "monkey_saddle": (-0.8, 0.6), "himmelblau": (-4.0, 0.5), "beale": (0.5, -0.5), "rastrigin": (-1.2, 0.4),
    "six_hump_camel": (1.0, -1.0), "styblinski_tang": (-1.0, 3.0), "ackley": (-1.2, 1.7), "booth": (5.0, 8.0),
    "goldstein_price": (0.5, -0.5), "quadratic": (3.0, -1.0),
}

_ADAM_FAMILY_VARIANTS = (
    {"beta1": 0.3},  # β1 < 0.5: torch.lerp takes its second branch (weight 1 − β1 ≥ 0.5)
    {"beta1": 0.5, "beta2": 0.9},  # weight exactly 0.5, the branch boundary
    {"eps": 0.1},
    {"eps": 1.0},
    {"weight_decay": 0.1},
    {"beta1": 0.0, "beta2": 0.5, "weight_decay": 0.01},
    {"beta2": 0.99, "eps": 1e-3},
)

# Non-default hyperparameters per optimizer, cycled over the surfaces (applied on top of a suggested lr).
VARIANTS = {
    "gd": ({"weight_decay": 0.1}, {"weight_decay": 1.0}, {"lr": 0.05}),
    "momentum": ({"momentum": 0.5}, {"momentum": 0.99}, {"weight_decay": 0.1}, {"momentum": 0.0}),
    "nag": ({"momentum": 0.5}, {"momentum": 0.99}, {"weight_decay": 0.1, "momentum": 0.7}),
    "adagrad": ({"eps": 0.1}, {"eps": 1.0}, {"weight_decay": 0.1}, {"lr": 0.5}),
    "adadelta": ({"rho": 0.5}, {"rho": 0.99}, {"eps": 0.1}, {"eps": 1.0}, {"weight_decay": 0.1},
                 {"rho": 0.0}, {"rho": 1.0}, {"lr": 0.1}),
    "rmsprop": ({"momentum": 0.9}, {"momentum": 0.5, "weight_decay": 0.1}, {"rho": 0.9}, {"eps": 0.1},
                {"eps": 1.0}, {"rho": 0.0}, {"weight_decay": 0.1}),
    "adam": _ADAM_FAMILY_VARIANTS,
    "amsgrad": _ADAM_FAMILY_VARIANTS,
    "adamax": _ADAM_FAMILY_VARIANTS,
    "nadam": _ADAM_FAMILY_VARIANTS,
    "adamw": _ADAM_FAMILY_VARIANTS[:4] + ({"weight_decay": 0.0}, {"weight_decay": 0.5}),
    # β2 = 0.5 gives ρ∞ = 3 < 5, so RAdam never rectifies; β2 = 0.9 rectifies from step 6 on.
    "radam": _ADAM_FAMILY_VARIANTS + ({"beta2": 0.9},),
    "lion": ({"beta1": 0.3}, {"beta2": 0.9}, {"weight_decay": 0.1}, {"weight_decay": 1.0},
             {"beta1": 0.0, "beta2": 0.5}),
}


@dataclass(frozen=True)
class Case:
    """One golden trajectory: everything needed to rerun it through ``make_settings`` + ``engine.run``."""

    optimizer: str
    surface: str
    hyperparameters: dict
    start: tuple[float, float]
    label: str
    steps: int = STEPS
    surface_params: dict = field(default_factory=dict)

    @property
    def all_surface_params(self) -> dict[str, float]:
        """The surface's parameters with defaults filled in (the quadratic's condition number)."""
        return {p.name: self.surface_params.get(p.name, p.default) for p in SURFACES[self.surface].params}


# Runs that blow up, kept on purpose: the divergence step must match too.
DIVERGING_CASES = (
    Case("gd", "rosenbrock", {"lr": 10.0}, (-1.5, 2.5), "diverges lr=10"),
    Case("momentum", "goldstein_price", {"lr": 0.01}, (-1.0, 1.5), "diverges lr=0.01"),
    Case("nag", "beale", {"lr": 0.01}, (2.0, 2.0), "diverges lr=0.01"),
    Case("rmsprop", "rosenbrock", {"lr": 1.0, "rho": 1.0}, (-1.5, 2.5), "diverges lr=1,rho=1"),
    Case("adagrad", "monkey_saddle", {"lr": 100.0}, (1.0, 0.05), "diverges lr=100"),
)
# A stiffer quadratic than the default κ = 10, through the surface-parameter path.
EXTRA_CASES = (
    Case("gd", "quadratic", {"lr": 1e-3}, (-5.0, 2.0), "condition=1000", surface_params={"condition": 1000.0}),
    Case("adam", "quadratic", {"lr": 0.1}, (-5.0, 2.0), "condition=1000", surface_params={"condition": 1000.0}),
)


def suggested_lr(optimizer: str, surface: str) -> float:
    """The registry's step size that makes visible progress on this surface with this kind of optimizer."""
    spec, surf = OPTIMIZERS[optimizer], SURFACES[surface]
    return {"sgd": surf.sgd_lr, "adaptive": surf.adaptive_lr, "default": spec.defaults["lr"]}[spec.surface_lr]


def _describe(hyperparameters: dict, defaults: dict) -> str:
    """The hyperparameters that differ from the defaults, as ``lr=0.05,beta1=0.3``."""
    return ",".join(f"{k}={v:g}" for k, v in hyperparameters.items() if v != defaults[k])


def cases_for(optimizer: str) -> list[Case]:
    """Per surface: torch defaults from the default start; a suggested lr from another start; and one
    non-default hyperparameter set (cycled) from the default start. Plus this optimizer's extra cases."""
    defaults = OPTIMIZERS[optimizer].defaults
    variants = VARIANTS[optimizer]
    cases = []
    for index, (name, surface) in enumerate(SURFACES.items()):
        tuned = {**defaults, "lr": suggested_lr(optimizer, name)}
        variant = {**tuned, **variants[index % len(variants)]}
        cases += [
            Case(optimizer, name, defaults, surface.default_start, "defaults"),
            Case(optimizer, name, tuned, ALTERNATE_STARTS[name],
                 " ".join(filter(None, ("alternate start", _describe(tuned, defaults))))),
            Case(optimizer, name, variant, surface.default_start, _describe(variant, defaults)),
        ]
    cases += [Case(c.optimizer, c.surface, {**defaults, **c.hyperparameters}, c.start, c.label,
                   surface_params=c.surface_params)
              for c in DIVERGING_CASES + EXTRA_CASES if c.optimizer == optimizer]
    return cases
