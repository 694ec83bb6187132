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
import json
import sys
from dataclasses import asdict
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
from scripts.golden_cases import STEPS, Case, cases_for  # noqa: E402
from scripts.torch_reference import SURFACE_FORMULAS, TORCH_OPTIMIZERS, make_optimizer, torch_defaults  # noqa: E402
from simulation.settings import DIVERGENCE_BOUND  # noqa: E402

GOLDEN_DIR = PROJECT_ROOT / "tests" / "golden"
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
