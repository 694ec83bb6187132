"""The values each control offers and the defaults it starts from (plain Python, no Streamlit).

Sliders offer fixed option lists: learning rates on a log scale, momentum-like decays packed towards 1 where
the interesting values are. URL values that fall between options snap to the nearest one, except a
hyperparameter's: its slider offers the link's exact value too (``ui.playground_url``).
"""
from __future__ import annotations

import math
from typing import Sequence

from landscapes.registry import Surface
from optimizers.spec import Optimizer

# Hyperparameters and surface parameters carry their own options (their registry entries); these are the
# page's own controls.
NOISE_OPTIONS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0)

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
    hyperparameter = optimizer.hyperparameter(name)
    return snap(value, hyperparameter.options, hyperparameter.log_scale)


def start_limits(surface: Surface) -> tuple[tuple[float, float], tuple[float, float]]:
    """Allowed start coordinates: the plotting domain widened by ``START_MARGIN`` of its size each way."""
    limits = []
    for low, high in surface.domain:
        margin = (high - low) * START_MARGIN
        limits.append((low - margin, high + margin))
    return limits[0], limits[1]
