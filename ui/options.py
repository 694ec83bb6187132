"""The values each control offers and the defaults it starts from (plain Python, no Streamlit).

Sliders offer fixed option lists: learning rates on a log scale, momentum-like decays packed towards 1 where
the interesting values are. URL values that fall between options snap to the nearest one.
"""
from __future__ import annotations

import math
from typing import Sequence

from landscapes.registry import Surface
from optimizers.registry import Optimizer


def _log_options(low_exp: int, high_exp: int, mantissas: Sequence[float]) -> tuple[float, ...]:
    values = [round(m * 10.0 ** e, 12) for e in range(low_exp, high_exp) for m in mantissas]
    return tuple(values) + (round(10.0 ** high_exp, 12),)


# 1e-5 … 10, ten values per decade: contains every registry default and every surface suggestion.
LR_OPTIONS = _log_options(-5, 1, (1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9))
DECAY_OPTIONS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999)
BETA2_OPTIONS = (0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9995, 0.9999)
EPS_OPTIONS = _log_options(-10, 0, (1,))
WEIGHT_DECAY_OPTIONS = (0.0, 1e-4, 1e-3, 1e-2, 0.05, 0.1, 0.5, 1.0)
NOISE_OPTIONS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0)
CONDITION_OPTIONS = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0)

HYPERPARAMETER_OPTIONS: dict[str, tuple[float, ...]] = {
    "lr": LR_OPTIONS, "momentum": DECAY_OPTIONS, "beta1": DECAY_OPTIONS, "beta2": BETA2_OPTIONS,
    "rho": DECAY_OPTIONS, "eps": EPS_OPTIONS, "weight_decay": WEIGHT_DECAY_OPTIONS,
}
LOG_SCALED = {"lr", "eps", "condition", "noise"}
SURFACE_PARAM_OPTIONS: dict[str, tuple[float, ...]] = {"condition": CONDITION_OPTIONS}

STEPS_RANGE = (10, 2000)
STEPS_INCREMENT = 10
DEFAULT_STEPS = 150
DEFAULT_SURFACE = "ravine"
DEFAULT_OPTIMIZERS = ("gd", "momentum", "adam")
MAX_OPTIMIZERS = 6
# How far outside the plotting domain a start point may lie, as a multiple of the domain's size.
START_MARGIN = 1.0


def snap(value: float, options: Sequence[float], log_scale: bool = False) -> float:
    """The option closest to ``value`` (in ratio for log-scaled options, where 0 is only close to 0)."""
    if log_scale and value > 0:
        positive = [o for o in options if o > 0]
        return min(positive, key=lambda o: abs(math.log(o / value)))
    return min(options, key=lambda o: abs(o - value))


def hyperparameter_default(surface: Surface, optimizer: Optimizer, name: str) -> float:
    """The starting value of a slider: the surface's suggestions for lr (and μ), else torch's default.

    Momentum methods start from the plain-GD suggestion times √(1 − μ). Along a steady slope their steps grow
    to lr / (1 − μ): the GD value itself (10× GD's speed at μ = 0.9) overshoots wildly or diverges where GD is
    near its stability limit, while lr·(1 − μ) (GD's speed) crawls on flat valley floors. The geometric mean
    of the two beats or matches gradient descent on every built-in surface without diverging.
    """
    value = optimizer.defaults[name]
    heavy = optimizer.surface_lr == "sgd" and "momentum" in optimizer.defaults  # heavy ball or Nesterov
    if name == "momentum" and heavy:
        value = surface.momentum
    elif name == "lr" and optimizer.surface_lr == "sgd":
        value = surface.sgd_lr * math.sqrt(1.0 - (surface.momentum if heavy else 0.0))
    elif name == "lr" and optimizer.surface_lr == "adaptive":
        value = surface.adaptive_lr
    return snap(value, HYPERPARAMETER_OPTIONS[name], name in LOG_SCALED)


def start_limits(surface: Surface) -> tuple[tuple[float, float], tuple[float, float]]:
    """Allowed start coordinates: the plotting domain widened by ``START_MARGIN`` of its size each way."""
    limits = []
    for low, high in surface.domain:
        margin = (high - low) * START_MARGIN
        limits.append((low - margin, high + margin))
    return limits[0], limits[1]
