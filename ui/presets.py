"""Story presets: one click sets every control for a classic lesson (plain Python, no Streamlit)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from claims import Claim
from landscapes.registry import get_surface
from ui import state
from ui.view_options import DEFAULT_VIEW


@dataclass(frozen=True)
class Told:
    """A sentence of a story (``says``, words of its text) and the check of ``simulation.evidence.CHECKS``
    that backs it, run on the story's own values for the runs named in ``runs`` (in that order), with
    gradient noise ``noise`` when the sentence is about turning the noise up."""

    says: str
    check: str
    runs: tuple[str, ...]
    noise: float | None = None  # None: the story's own noise


@dataclass(frozen=True)
class Preset:
    """A named set of controls, the sentence that tells students what to look for, and what backs it."""

    key: str
    title: str
    story: str
    surface: str
    runs: tuple[tuple[str, dict[str, float]], ...]
    steps: int
    told: tuple[Told, ...]
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

    @property
    def claims(self) -> tuple[Claim, ...]:
        """Each sentence of :attr:`told` as a :class:`claims.Claim` on exactly the values this preset sets."""
        values = dict(self.runs)
        return tuple(Claim(t.says, t.check, self.surface,
                           tuple((name, tuple(values[name].items())) for name in t.runs), self.steps,
                           self.start, tuple(self.surface_params.items()),
                           self.noise if t.noise is None else t.noise)
                     for t in self.told)


QUIET_NOISE = 10.0  # the largest gradient noise σ under which the Rastrigin story's runs all stay put

PRESETS: dict[str, Preset] = {p.key: p for p in [
    Preset("ravine", "Ravine: GD zig-zags, momentum glides",
           "Gradient descent bounces between the steep walls; momentum's bounces cancel while its steps along "
           "the floor add up, so it reaches the minimum first.",
           "ravine", (("gd", {"lr": 0.09}), ("momentum", {"lr": 0.03, "momentum": 0.7})), 120,
           (Told("Gradient descent bounces between the steep walls", "zigzags", ("gd",)),
            Told("momentum's bounces cancel", "zigzags_less", ("momentum", "gd")),
            Told("it reaches the minimum first", "reaches_first", ("momentum", "gd")))),
    Preset("saddle", "Saddle: GD stalls, Adam escapes",
           "Starting almost exactly on the ridge, the gradient across it is tiny: gradient descent creeps, "
           "while Adam and RMSProp divide by the gradient's size and slide off.",
           "saddle", (("gd", {"lr": 0.01}), ("adam", {"lr": 0.05}), ("rmsprop", {"lr": 0.05})), 150,
           (Told("Adam and RMSProp divide by the gradient's size and slide off", "leaves_the_ridge",
                 ("adam", "gd")),
            Told("Adam and RMSProp divide by the gradient's size and slide off", "leaves_the_ridge",
                 ("rmsprop", "gd")))),
    Preset("rosenbrock", "Rosenbrock: the banana valley",
           "Gradient descent drops into the curved valley quickly, then crawls along its flat floor towards "
           "(1, 1). Nesterov gets there first, then momentum; Adam (η = 0.02) is still on its way after "
           "1,000 steps.",
           "rosenbrock", (("gd", {"lr": 0.001}), ("momentum", {"lr": 0.001, "momentum": 0.9}),
                          ("nag", {"lr": 0.001, "momentum": 0.9}), ("adam", {"lr": 0.02})), 1000,
           (Told("Gradient descent drops into the curved valley quickly, then crawls", "valley_then_crawl",
                 ("gd",)),
            Told("Nesterov gets there first", "reaches_first", ("nag", "momentum")),
            Told("then momentum", "reaches", ("momentum",)),
            Told("Adam (η = 0.02) is still on its way after 1,000 steps", "never_reaches", ("adam",)))),
    Preset("rastrigin", "Rastrigin: trapped in local minima",
           "Every method settles in a dimple, not in the global minimum at (0, 0): local methods only see "
           "the slope where they stand. Turning up the gradient noise does not shake them out at these "
           f"learning rates: up to σ = {QUIET_NOISE:g}, all three end in the same dimple.",
           "rastrigin", (("gd", {"lr": 0.002}), ("momentum", {"lr": 0.002, "momentum": 0.9}),
                         ("adam", {"lr": 0.05})), 300,
           (*(Told("Every method settles in a dimple, not in the global minimum", "ends_at_local_minimum",
                   (name,)) for name in ("gd", "momentum", "adam")),
            Told(f"up to σ = {QUIET_NOISE:g}, all three end in the same dimple", "stays_put_under_noise",
                 ("gd", "momentum", "adam"), noise=QUIET_NOISE))),
    Preset("adagrad", "AdaGrad's shrinking steps vs RMSProp",
           "AdaGrad adds up every squared gradient, so its step size only shrinks, and after 1,000 steps it "
           "has not reached (1, 1); RMSProp's moving average forgets, and it ends lower. Watch the effective "
           "step sizes.",
           "rosenbrock", (("adagrad", {"lr": 0.1}), ("rmsprop", {"lr": 0.01})), 1000,
           (Told("its step size only shrinks", "step_shrinks", ("adagrad",)),
            Told("after 1,000 steps it has not reached (1, 1)", "never_reaches", ("adagrad",)),
            Told("RMSProp's moving average forgets, and it ends lower", "ends_lower",
                 ("rmsprop", "adagrad"))), view="inside"),
]}
