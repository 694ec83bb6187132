"""Generate the golden reference trajectories in ``tests/golden/`` with torch.optim in float64.

    PYTHONPATH=. python scripts/generate_golden.py      (about two minutes)

torch is needed only here, never by the product or the tests. Every surface is written again from its
published formula, in torch ops, and differentiated by autograd, so the golden data shares nothing with our kernels
except the case list (names, default starts and suggested step sizes come from the registries).

Conditioning. Some trajectories depend on rounding: near a stationary coordinate the terms of a gradient
cancel and its relative rounding error grows to ~1e-11, and an adaptive optimizer close to a minimum divides
such errors (or a last-bit difference inside the update) by a small √v or |g|. From then on no implementation
that rounds differently (autograd or analytic gradients, another operation order, another CPU) can agree with
torch to 1e-6. So each case is replayed in torch with *correctly rounded* gradients (the exact symbolic
derivative evaluated in 200-bit arithmetic), each multiplied by 1 ± 2⁻⁵² to stand in for last-bit differences
inside the update: ``conditioned_steps`` is the last step up to which that replay stays within
``CONDITIONING_LIMIT`` of the autograd trajectory. The tests compare that prefix only.

Output, all float64 and exact:
- ``<optimizer>.npz`` for each of the 13 optimizers: ``positions`` (cases, STEPS + 1, 2), NaN from the
  divergence step on; ``diverged_at`` (cases,), -1 when the run stayed finite; ``conditioned_steps`` (cases,);
  ``cases``: JSON metadata per case (optimizer, surface, surface parameters, hyperparameters, start, steps,
  label); ``torch_defaults``: JSON of the defaults torch's constructor declares, in our hyperparameter names;
  ``provenance``: JSON of torch version and generator constants.
- ``flat_vector.npz``: every optimizer on a 1000-parameter random diagonal quadratic, in float64 (snapshots,
  with a ``conditioned`` flag per snapshot from the same jittered replay) and float32 (end point), to show the
  rules work on parameter vectors of any length and dtype.

Divergence follows the engine: a run stops at the first point with a non-finite coordinate or loss, or a
coordinate beyond ``simulation.settings.DIVERGENCE_BOUND``; that step is stored as ``diverged_at``.
"""
from __future__ import annotations

import functools
import inspect
import json
import math
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import mpmath
import numpy as np
import sympy
import torch
from mpmath.libmp import round_nearest, to_float

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))  # runs as a plain script from anywhere, like the CLI

from landscapes.registry import SURFACES  # noqa: E402
from optimizers.registry import OPTIMIZERS  # noqa: E402
from simulation.settings import DIVERGENCE_BOUND  # noqa: E402

GOLDEN_DIR = PROJECT_ROOT / "tests" / "golden"
STEPS = 300  # "several hundred steps", as the acceptance check uses
NOT_DIVERGED = -1
EXACT_PRECISION_BITS = 200  # enough for every surface's derivative to be correctly rounded to float64
# Largest deviation |replay − autograd run| / max(|autograd run|, 1) still counted as conditioned: three
# orders of magnitude below the 1e-6 acceptance bound.
CONDITIONING_LIMIT = 1e-9
LAST_BIT_JITTER = 2.0**-52  # relative size of the replay's gradient perturbation: one unit in the last place
JITTER_SEED = 7

FLAT_SIZE = 1000
FLAT_SNAPSHOTS = (1, 10, 100, 200)  # steps after which the float64 vector run is stored
FLAT_STEPS_FLOAT32 = 100
FLAT_SEED = 20231127
FLAT_CURVATURE_RANGE = (0.1, 10.0)  # log-uniform diagonal Hessian: a condition number of 100
FLAT_WEIGHT_DECAY = 0.01  # exercises the weight-decay path of every rule on long vectors

# Scalar optimizer state (NAdam's mu_product, step counters) must be float64 too, not only the parameters.
torch.set_default_dtype(torch.float64)

TWO_PI = 2.0 * math.pi

# The surfaces exactly as their published formulas write them. ``c`` holds the surface parameters and ``m`` is the
# math namespace: torch for the autograd trajectories, sympy for the exact derivative of the conditioning check.
SURFACE_FORMULAS = {
    "bowl": lambda x, y, c, m: x**2 + y**2,
    "ravine": lambda x, y, c, m: 0.5 * x**2 + 10 * y**2,
    "rosenbrock": lambda x, y, c, m: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
    "saddle": lambda x, y, c, m: x**2 - y**2,
    "monkey_saddle": lambda x, y, c, m: x**3 - 3 * x * y**2,
    "himmelblau": lambda x, y, c, m: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
    "beale": lambda x, y, c, m: ((1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2
                                 + (2.625 - x + x * y**3) ** 2),
    "rastrigin": lambda x, y, c, m: 20 + x**2 + y**2 - 10 * m.cos(TWO_PI * x) - 10 * m.cos(TWO_PI * y),
    "six_hump_camel": lambda x, y, c, m: (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2,
    "styblinski_tang": lambda x, y, c, m: 0.5 * (x**4 - 16 * x**2 + 5 * x + y**4 - 16 * y**2 + 5 * y),
    "ackley": lambda x, y, c, m: (-20 * m.exp(-0.2 * m.sqrt(0.5 * (x**2 + y**2)))
                                  - m.exp(0.5 * (m.cos(TWO_PI * x) + m.cos(TWO_PI * y))) + math.e + 20),
    "booth": lambda x, y, c, m: (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2,
    "goldstein_price": lambda x, y, c, m: (
        (1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2))
        * (30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2))),
    "quadratic": lambda x, y, c, m: 0.5 * (x**2 + c["condition"] * y**2),
}

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


class Lion(torch.optim.Optimizer):
    """Lion (Chen et al. 2023) exactly as Chen et al. write it; torch.optim has no Lion class.

    c = β1·m + (1−β1)·g;  p ← p·(1 − lr·wd) − lr·sign(c);  m ← β2·m + (1−β2)·g
    Plain tensor arithmetic, one rounding per operation, so the formula reads the same as it computes.
    """

    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
        super().__init__(params, {"lr": lr, "betas": betas, "weight_decay": weight_decay})

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            lr, (beta1, beta2), weight_decay = group["lr"], group["betas"], group["weight_decay"]
            for p in group["params"]:
                m = self.state[p].setdefault("exp_avg", torch.zeros_like(p))
                c = beta1 * m + (1 - beta1) * p.grad
                p.copy_(p * (1 - lr * weight_decay) - lr * torch.sign(c))
                m.copy_(beta2 * m + (1 - beta2) * p.grad)


def _betas(hp):
    return hp["beta1"], hp["beta2"]


def _adam_kwargs(hp):
    return {"lr": hp["lr"], "betas": _betas(hp), "eps": hp["eps"], "weight_decay": hp["weight_decay"]}


# Our name → (torch class, keyword arguments from our hyperparameters).
TORCH_OPTIMIZERS = {
    "gd": (torch.optim.SGD, lambda hp: {"lr": hp["lr"], "weight_decay": hp["weight_decay"]}),
    "momentum": (torch.optim.SGD, lambda hp: {"lr": hp["lr"], "momentum": hp["momentum"],
                                              "weight_decay": hp["weight_decay"]}),
    "nag": (torch.optim.SGD, lambda hp: {"lr": hp["lr"], "momentum": hp["momentum"], "nesterov": True,
                                         "weight_decay": hp["weight_decay"]}),
    "adagrad": (torch.optim.Adagrad, lambda hp: {"lr": hp["lr"], "eps": hp["eps"],
                                                 "weight_decay": hp["weight_decay"]}),
    "adadelta": (torch.optim.Adadelta, lambda hp: {"lr": hp["lr"], "rho": hp["rho"], "eps": hp["eps"],
                                                   "weight_decay": hp["weight_decay"]}),
    "rmsprop": (torch.optim.RMSprop, lambda hp: {"lr": hp["lr"], "alpha": hp["rho"], "eps": hp["eps"],
                                                 "momentum": hp["momentum"], "weight_decay": hp["weight_decay"]}),
    "adam": (torch.optim.Adam, _adam_kwargs),
    "amsgrad": (torch.optim.Adam, lambda hp: {**_adam_kwargs(hp), "amsgrad": True}),
    "adamax": (torch.optim.Adamax, _adam_kwargs),
    "nadam": (torch.optim.NAdam, lambda hp: {**_adam_kwargs(hp), "momentum_decay": 4e-3}),
    "adamw": (torch.optim.AdamW, _adam_kwargs),
    "radam": (torch.optim.RAdam, _adam_kwargs),
    "lion": (Lion, lambda hp: {"lr": hp["lr"], "betas": _betas(hp), "weight_decay": hp["weight_decay"]}),
}


def torch_defaults(optimizer: str) -> dict[str, float]:
    """The defaults torch's constructor declares, renamed to our hyperparameters (alpha → rho, betas → β1, β2)."""
    cls = TORCH_OPTIMIZERS[optimizer][0]
    declared = {name: p.default for name, p in inspect.signature(cls.__init__).parameters.items()
                if p.default is not inspect.Parameter.empty}
    if "betas" in declared:
        declared["beta1"], declared["beta2"] = declared.pop("betas")
    if cls is torch.optim.RMSprop:
        declared["rho"] = declared.pop("alpha")
    return {name: float(declared[name]) for name in OPTIMIZERS[optimizer].defaults if name in declared}


def make_optimizer(optimizer: str, param: torch.Tensor, hyperparameters: dict) -> torch.optim.Optimizer:
    cls, kwargs = TORCH_OPTIMIZERS[optimizer]
    # foreach=False pins the single-tensor implementation, the one torch also picks by default on CPU
    extra = {} if cls is Lion else {"foreach": False}
    return cls([param], **kwargs(hyperparameters), **extra)


def _out_of_bounds(point: torch.Tensor, loss: torch.Tensor) -> bool:
    """The engine's divergence test: a non-finite coordinate or loss, or a coordinate beyond the bound."""
    values = torch.cat([point.detach(), loss.detach().reshape(1)])
    return not bool(torch.isfinite(values).all()) or bool((point.detach().abs() > DIVERGENCE_BOUND).any())


def autograd_trajectory(case: Case) -> tuple[np.ndarray, int]:
    """Positions (steps + 1, 2), NaN from the divergence step on, and the divergence step (or -1)."""
    formula = SURFACE_FORMULAS[case.surface]
    params = case.all_surface_params
    point = torch.tensor(case.start, requires_grad=True)
    opt = make_optimizer(case.optimizer, point, case.hyperparameters)
    positions = np.full((case.steps + 1, 2), np.nan)
    loss = formula(point[0], point[1], params, torch)
    if _out_of_bounds(point, loss):
        return positions, 0
    positions[0] = point.detach().numpy()
    for t in range(1, case.steps + 1):
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss = formula(point[0], point[1], params, torch)
        if _out_of_bounds(point, loss):
            return positions, t
        positions[t] = point.detach().numpy()
    return positions, NOT_DIVERGED


@functools.lru_cache(maxsize=None)
def exact_gradient(surface: str, params: tuple[tuple[str, float], ...]):
    """(x, y) → the correctly rounded float64 gradient: sympy's derivative of the formula (with its float64
    constants taken exactly), evaluated in EXACT_PRECISION_BITS-bit arithmetic."""
    x, y = sympy.symbols("x y")
    f = SURFACE_FORMULAS[surface](x, y, dict(params), sympy)
    parts = [sympy.lambdify((x, y), sympy.diff(f, v), modules="mpmath") for v in (x, y)]

    def gradient(px: float, py: float) -> list[float]:
        with mpmath.workprec(EXACT_PRECISION_BITS):
            args = (mpmath.mpf(px), mpmath.mpf(py))
            return [to_float(mpmath.mpf(part(*args))._mpf_, rnd=round_nearest) for part in parts]

    return gradient


def sensitivity_replay(case: Case, n_points: int) -> np.ndarray:
    """The first ``n_points`` positions of the same torch optimizer fed correctly rounded gradients, each
    component scaled by 1 ± LAST_BIT_JITTER (random signs, fixed seed)."""
    gradient = exact_gradient(case.surface, tuple(case.all_surface_params.items()))
    signs = np.random.default_rng(JITTER_SEED).choice([-1.0, 1.0], size=(n_points, 2))
    point = torch.tensor(case.start)
    opt = make_optimizer(case.optimizer, point, case.hyperparameters)
    positions = np.full((n_points, 2), np.nan)
    positions[0] = case.start
    for t in range(1, n_points):
        point.grad = torch.tensor(gradient(*point.tolist())) * torch.from_numpy(1.0 + signs[t] * LAST_BIT_JITTER)
        opt.step()
        positions[t] = point.numpy()
    return positions


def conditioned_steps(case: Case, positions: np.ndarray, diverged_at: int) -> int:
    """The last step t such that the sensitivity replay stays within CONDITIONING_LIMIT over steps 0..t
    (see the module docstring); −1 when even the start diverges. When this covers the whole finite prefix
    (``diverged_at − 1`` for a diverging run), the tests also check where the run ends."""
    n_points = case.steps + 1 if diverged_at == NOT_DIVERGED else diverged_at
    if n_points == 0:
        return -1
    reference = positions[:n_points]
    with np.errstate(invalid="ignore", over="ignore"):
        deviation = np.abs(sensitivity_replay(case, n_points) - reference) / np.maximum(np.abs(reference), 1.0)
        unconditioned = ~(deviation.max(axis=1) <= CONDITIONING_LIMIT)  # NaN (replay diverged) counts too
    return int(np.argmax(unconditioned)) - 1 if unconditioned.any() else n_points - 1


def suggested_lr(optimizer: str, surface: str) -> float:
    """The registry's step size that makes visible progress on this surface with this kind of optimizer."""
    spec, surf = OPTIMIZERS[optimizer], SURFACES[surface]
    return {"sgd": surf.sgd_lr, "adaptive": surf.adaptive_lr}.get(spec.surface_lr, spec.defaults["lr"])


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


def write_optimizer_golden(optimizer: str) -> dict[str, int]:
    """Write ``<optimizer>.npz``; return counts for the summary line."""
    cases = cases_for(optimizer)
    runs = [autograd_trajectory(case) for case in cases]
    conditioned = [conditioned_steps(case, *run) for case, run in zip(cases, runs)]
    np.savez_compressed(
        GOLDEN_DIR / f"{optimizer}.npz",
        positions=np.stack([positions for positions, _ in runs]),
        diverged_at=np.array([d for _, d in runs], dtype=np.int64),
        conditioned_steps=np.array(conditioned, dtype=np.int64),
        cases=np.array(json.dumps([asdict(case) for case in cases])),
        torch_defaults=np.array(json.dumps(torch_defaults(optimizer))),
        provenance=np.array(json.dumps({
            "torch": torch.__version__, "dtype": "float64", "steps": STEPS,
            "conditioning_limit": CONDITIONING_LIMIT, "exact_precision_bits": EXACT_PRECISION_BITS,
            "last_bit_jitter": LAST_BIT_JITTER,
            "divergence_bound": DIVERGENCE_BOUND})),
    )
    full = sum(c == (case.steps if d == NOT_DIVERGED else d - 1)
               for c, case, (_, d) in zip(conditioned, cases, runs))
    return {"cases": len(cases), "diverging": sum(d != NOT_DIVERGED for _, d in runs),
            "fully conditioned": full, "compared steps": sum(conditioned) + len(cases)}


def flat_problem(dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A random diagonal quadratic f(p) = ½·Σ h·(p − c)²: start p0, curvatures h, centre c."""
    rng = np.random.default_rng(FLAT_SEED)
    low, high = np.log(FLAT_CURVATURE_RANGE)
    curvature = np.exp(rng.uniform(low, high, FLAT_SIZE))
    centre = rng.standard_normal(FLAT_SIZE)
    start = rng.standard_normal(FLAT_SIZE)
    return tuple(torch.tensor(a, dtype=dtype) for a in (start, curvature, centre))


def flat_run(optimizer: str, dtype: torch.dtype, snapshots: tuple[int, ...], jitter: float = 0.0) -> np.ndarray:
    """``optimizer`` (registry defaults plus weight decay) on the flat quadratic; positions at ``snapshots``.

    The gradient h·(p − c) is set directly: it is one subtraction and one product, each exactly rounded, so the
    test forms the same gradient in numpy bit for bit and the comparison isolates the update rule. ``jitter``
    scales each gradient component by 1 ± jitter (the sensitivity replay).
    """
    start, curvature, centre = flat_problem(dtype)
    rng = np.random.default_rng(JITTER_SEED)
    param = start.clone()
    opt = make_optimizer(optimizer, param, {**OPTIMIZERS[optimizer].defaults, "weight_decay": FLAT_WEIGHT_DECAY})
    out = []
    for t in range(1, max(snapshots) + 1):
        param.grad = curvature * (param - centre)
        if jitter:
            param.grad *= torch.from_numpy(1.0 + rng.choice([-1.0, 1.0], size=FLAT_SIZE) * jitter).to(dtype)
        opt.step()
        if t in snapshots:
            out.append(param.numpy().copy())
    return np.stack(out)


def write_flat_golden() -> None:
    names = list(OPTIMIZERS)
    start, curvature, centre = (a.numpy() for a in flat_problem(torch.float64))
    positions = np.stack([flat_run(name, torch.float64, FLAT_SNAPSHOTS) for name in names])
    replays = np.stack([flat_run(name, torch.float64, FLAT_SNAPSHOTS, LAST_BIT_JITTER) for name in names])
    deviation = np.abs(replays - positions) / np.maximum(np.abs(positions), 1.0)
    np.savez_compressed(
        GOLDEN_DIR / "flat_vector.npz",
        optimizers=np.array(names),
        start=start, curvature=curvature, centre=centre,
        weight_decay=np.float64(FLAT_WEIGHT_DECAY),
        snapshots=np.array(FLAT_SNAPSHOTS),
        positions=positions,
        conditioned=deviation.max(axis=2) <= CONDITIONING_LIMIT,
        float32_steps=np.int64(FLAT_STEPS_FLOAT32),
        float32_end=np.stack([flat_run(name, torch.float32, (FLAT_STEPS_FLOAT32,))[0] for name in names]),
    )


def main() -> None:
    if set(SURFACE_FORMULAS) != set(SURFACES) or set(TORCH_OPTIMIZERS) != set(OPTIMIZERS):
        raise SystemExit("the golden generator must cover exactly the registered surfaces and optimizers")
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    print(f"torch {torch.__version__}, {STEPS} steps per trajectory")
    for optimizer in OPTIMIZERS:
        counts = write_optimizer_golden(optimizer)
        print(f"{optimizer:>9}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    write_flat_golden()
    total = sum(f.stat().st_size for f in GOLDEN_DIR.glob("*.npz"))
    print(f"wrote {GOLDEN_DIR.relative_to(PROJECT_ROOT)}/ ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
