"""Story presets: one click sets every control for a classic lesson (plain Python, no Streamlit)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from landscapes.registry import get_surface
from ui import state
from ui.view_options import DEFAULT_VIEW


@dataclass(frozen=True)
class Preset:
    """A named set of controls and the sentence that tells students what to look for."""

    key: str
    title: str
    story: str
    surface: str
    runs: tuple[tuple[str, dict[str, float]], ...]
    steps: int
    view: str = DEFAULT_VIEW
    noise: float = 0.0
    start: tuple[float, float] | None = None  # None: the surface's default start
    surface_params: dict[str, float] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        """Session-state values for every control this preset sets (hyperparameters not listed keep the
        surface defaults the sidebar fills in)."""
        x, y = self.start or get_surface(self.surface).default_start
        values: dict[str, Any] = {
            state.SURFACE: self.surface, state.OPTIMIZERS_KEY: [name for name, _ in self.runs],
            state.STEPS: self.steps, state.START_X: float(x), state.START_Y: float(y),
            state.NOISE: self.noise, state.SEED: 0, state.SAME_FOR_ALL: False, state.VIEW: self.view,
            state.THREE_D: False}
        for name, hyperparameters in self.runs:
            values.update({state.hp_key(name, hp): value for hp, value in hyperparameters.items()})
        values.update({state.surface_param_key(k): v for k, v in self.surface_params.items()})
        return values


PRESETS: dict[str, Preset] = {p.key: p for p in [
    Preset("ravine", "Ravine: GD zig-zags, momentum glides",
           "Gradient descent bounces between the steep walls; momentum's bounces cancel while its steps along "
           "the floor add up, so it arrives in a fraction of the steps.",
           "ravine", (("gd", {"lr": 0.09}), ("momentum", {"lr": 0.03, "momentum": 0.7})), 120),
    Preset("saddle", "Saddle: GD stalls, Adam escapes",
           "Starting almost exactly on the ridge, the gradient across it is tiny: gradient descent creeps, "
           "while Adam divides by the gradient's size and slides off.",
           "saddle", (("gd", {"lr": 0.01}), ("adam", {"lr": 0.05}), ("rmsprop", {"lr": 0.05})), 150),
    Preset("rosenbrock", "Rosenbrock: the banana valley",
           "Everyone drops into the curved valley quickly; the race is along its flat floor towards (1, 1). "
           "Momentum and Nesterov get there, plain gradient descent is still crawling.",
           "rosenbrock", (("gd", {"lr": 0.001}), ("momentum", {"lr": 0.001, "momentum": 0.9}),
                          ("nag", {"lr": 0.001, "momentum": 0.9}), ("adam", {"lr": 0.02})), 1000),
    Preset("rastrigin", "Rastrigin: trapped in local minima",
           "Every method settles in the nearest dimple. Local methods only see the slope where they stand; "
           "try turning up the gradient noise to shake them out.",
           "rastrigin", (("gd", {"lr": 0.002}), ("momentum", {"lr": 0.002, "momentum": 0.9}),
                         ("adam", {"lr": 0.05})), 300),
    Preset("adagrad", "AdaGrad's shrinking steps vs RMSProp",
           "AdaGrad adds up every squared gradient, so its step size only shrinks and it stalls on the valley "
           "floor; RMSProp's moving average forgets, and keeps moving. Watch the effective step sizes.",
           "rosenbrock", (("adagrad", {"lr": 0.1}), ("rmsprop", {"lr": 0.01})), 1000, view="inside"),
]}
