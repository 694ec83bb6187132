"""Validated, plain-data run settings: the one input every consumer (app, CLI, export) builds.

``make_settings`` is where validation happens; everything downstream (the engine, the figures, caches)
assumes the values are valid. Settings are frozen and hashable, so they key caches directly.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from landscapes.registry import Surface, get_surface
from optimizers.registry import get_optimizer
from optimizers.spec import Optimizer
from optimizers.schedules import get_schedule
from validation import Range, ValidationError, check_range, parse_float, parse_int

MAX_STEPS = 100_000  # enough for any lesson; a run this long still takes well under a second
MAX_RUNS = 64  # overlays and fans; sweeps use the batched sweep API instead
MAX_SEED = 2**32 - 1
NOISE_RANGE = Range(0.0, 1e3)
# A coordinate beyond this counts as divergence. It is far outside every plotting domain, yet large enough
# that a run which torch.optim would still report as finite (e.g. escaping a saddle exponentially for a few
# hundred steps) keeps all its rows; most surfaces overflow to inf long before it.
DIVERGENCE_BOUND = 1e100
# How close to the surface's minimum value f_min a run must come, as a loss gap f − f_min (absolute: every
# registered minimum value is known exactly). Two questions, two names: the playground's table counts the
# steps until a run is near the minimum (a gap a student can see on the loss chart); the stability map and
# the tuning ask that a run has converged there.
NEAR_MINIMUM_GAP = 1e-3
CONVERGED_GAP = 1e-6


@dataclass(frozen=True)
class OptimizerRun:
    """One optimizer with its complete, validated hyperparameters (in registry order)."""

    optimizer: str
    hyperparams: tuple[tuple[str, float], ...]
    schedule: str = "constant"  # a name in optimizers.schedules.SCHEDULES
    schedule_params: tuple[tuple[str, float], ...] = ()

    @property
    def spec(self) -> Optimizer:
        return get_optimizer(self.optimizer)

    @property
    def values(self) -> dict[str, float]:
        return dict(self.hyperparams)

    @property
    def label(self) -> str:
        """``adam (lr=0.01, beta1=0.9)``: the name and the hyperparameters that differ from torch's defaults
        (always including lr), as legends show it."""
        defaults = self.spec.defaults
        shown = [f"{k}={v:g}" for k, v in self.hyperparams if k == "lr" or v != defaults[k]]
        if self.schedule != "constant":
            shown.append(f"{self.schedule} schedule")
        return f"{self.optimizer} ({', '.join(shown)})"


@dataclass(frozen=True)
class Settings:
    """A validated comparison: one surface, one start, several optimizer runs."""

    surface: str
    runs: tuple[OptimizerRun, ...]
    steps: int
    start: tuple[float, float]
    noise: float = 0.0
    seed: int = 0
    surface_params: tuple[tuple[str, float], ...] = field(default=())

    @property
    def surface_spec(self) -> Surface:
        return get_surface(self.surface)


def make_run(optimizer: str, hyperparams: Mapping[str, object] | None = None, schedule: str = "constant",
             schedule_params: Mapping[str, object] | None = None) -> OptimizerRun:
    """One optimizer run with validated hyperparameters and learning-rate schedule (defaults filled in)."""
    spec = get_optimizer(optimizer)
    values = spec.validate(hyperparams or {})
    plan = get_schedule(schedule)
    return OptimizerRun(spec.name, tuple(values.items()), plan.name, plan.validate(schedule_params or {}))


def parse_start(text: object) -> tuple[float, float]:
    """``"X,Y"`` (or a pair of numbers) → two finite floats within the divergence bound."""
    parts = text.split(",") if isinstance(text, str) else list(text)  # type: ignore[arg-type]
    if len(parts) != 2:
        raise ValidationError(f"start must be two numbers X,Y, got {str(text)[:40]!r}")
    bound = Range(-DIVERGENCE_BOUND, DIVERGENCE_BOUND)
    x, y = (check_range(f"start {axis}", part, bound) for axis, part in zip("xy", parts))
    return x, y


def make_settings(surface: str, runs: Iterable[tuple[str, Mapping[str, object]]] | Sequence[OptimizerRun],
                  steps: object = 200, start: object = None, noise: object = 0.0, seed: object = 0,
                  surface_params: Mapping[str, object] | None = None) -> Settings:
    """Validate every input once and return frozen :class:`Settings`.

    ``runs`` holds ``(optimizer name, {hyperparameter: value})`` pairs or ready :class:`OptimizerRun` items;
    missing hyperparameters take torch's defaults. ``start=None`` takes the surface's default start.
    """
    spec = get_surface(surface)
    c = spec.param_vector({k: parse_float(k, v) for k, v in (surface_params or {}).items()})
    built = tuple(r if isinstance(r, OptimizerRun) else make_run(r[0], r[1]) for r in runs)
    if not built:
        raise ValidationError("choose at least one optimizer")
    if len(built) > MAX_RUNS:
        raise ValidationError(f"at most {MAX_RUNS} optimizer runs at once, got {len(built)}")
    return Settings(
        surface=spec.name,
        runs=built,
        steps=parse_int("steps", steps, 1, MAX_STEPS),
        start=spec.default_start if start is None else parse_start(start),
        noise=check_range("noise", noise, NOISE_RANGE),
        seed=parse_int("seed", seed, 0, MAX_SEED),
        surface_params=tuple(zip((p.name for p in spec.params), map(float, c))),
    )
