"""Speed of the optimizer core: steps per second per optimizer, and cold and warm start.

    PYTHONPATH=. python benchmarks/bench_core.py        (under a minute; torch is optional)

For every optimizer, on Rosenbrock with its default hyperparameters, one 2D trajectory is timed through
(a) the Numba engine (``engine.run``), (b) a plain numpy loop of the same rule on a 2-vector (written here, as
the baseline only) and (c) ``torch.optim`` on a 2-parameter tensor with an autograd surface, if torch is
installed. Then two fresh interpreters time ``import`` plus the first trajectory of every optimizer: one with an
empty Numba cache (cold: everything compiles) and one reusing that cache (warm). Timings are best-of-N on a
shared machine, so they are noisy; targets are printed beside the measurements, never asserted.
"""
from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from landscapes.registry import get_surface
from optimizers import rules
from simulation import engine
from optimizers.registry import OPTIMIZERS
from simulation.settings import make_settings

try:
    import torch
except ImportError:  # the torch column is optional
    torch = None

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SURFACE = "rosenbrock"
START = get_surface(SURFACE).default_start  # every optimizer stays finite from here with its defaults
NUMBA_STEPS = 20_000
NUMPY_STEPS = 2_000
TORCH_STEPS = 300
REPEATS = 5  # best of: the machine is shared, and the fastest run is the least disturbed one
TARGET_TORCH_RATIO = 1000.0
TARGET_WARM_SECONDS = 1.0
TARGET_COLD_SECONDS = 5.0
STARTUP_STEPS = 200

# What a fresh interpreter does on first use: import the core and run every optimizer once (timed inside).
# CPU time is printed too: on a busy machine it shows what the wall time would be on an idle one.
STARTUP_SCRIPT = f"""
import time
started, cpu_started = time.perf_counter(), time.process_time()
from simulation import engine
from optimizers.registry import OPTIMIZERS
from simulation.settings import make_settings
engine.run(make_settings("{SURFACE}", [(name, {{}}) for name in OPTIMIZERS], steps={STARTUP_STEPS}))
print(time.perf_counter() - started, time.process_time() - cpu_started)
"""


def rosenbrock_grad(p: np.ndarray) -> np.ndarray:
    """The baseline's gradient of (1 − x)² + 100(y − x²)², as plain numpy."""
    inner = p[1] - p[0] * p[0]
    return np.array([-2.0 * (1.0 - p[0]) - 400.0 * p[0] * inner, 200.0 * inner])


def _l2(p, g, hp):
    return g + hp["weight_decay"] * p


def _sgd(p, g, s, hp, t, nesterov=False):
    g = _l2(p, g, hp)
    s["b"] = hp["momentum"] * s.get("b", 0.0) + g
    p -= hp["lr"] * (g + hp["momentum"] * s["b"] if nesterov else s["b"])


def _adagrad(p, g, s, hp, t):
    g = _l2(p, g, hp)
    s["G"] = s.get("G", 0.0) + g * g
    p -= hp["lr"] * g / (np.sqrt(s["G"]) + hp["eps"])


def _adadelta(p, g, s, hp, t):
    g, rho, eps = _l2(p, g, hp), hp["rho"], hp["eps"]
    s["v"] = rho * s.get("v", 0.0) + (1 - rho) * g * g
    delta = np.sqrt(s.get("u", 0.0) + eps) / np.sqrt(s["v"] + eps) * g
    s["u"] = rho * s.get("u", 0.0) + (1 - rho) * delta * delta
    p -= hp["lr"] * delta


def _rmsprop(p, g, s, hp, t):
    g, rho = _l2(p, g, hp), hp["rho"]
    s["v"] = rho * s.get("v", 0.0) + (1 - rho) * g * g
    s["b"] = hp["momentum"] * s.get("b", 0.0) + g / (np.sqrt(s["v"]) + hp["eps"])
    p -= hp["lr"] * s["b"]


def _moments(g, s, hp):
    """The first and second moment updates shared by the Adam family."""
    b1, b2 = hp["beta1"], hp["beta2"]
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g


def _adam(p, g, s, hp, t, amsgrad=False, decoupled=False):
    if decoupled:
        p *= 1 - hp["lr"] * hp["weight_decay"]
    else:
        g = _l2(p, g, hp)
    _moments(g, s, hp)
    second = s["v"]
    if amsgrad:
        s["vmax"] = second = np.maximum(s.get("vmax", 0.0), s["v"])
    m_hat = s["m"] / (1 - hp["beta1"] ** t)
    p -= hp["lr"] * m_hat / (np.sqrt(second / (1 - hp["beta2"] ** t)) + hp["eps"])


def _adamax(p, g, s, hp, t):
    g, b1 = _l2(p, g, hp), hp["beta1"]
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["u"] = np.maximum(hp["beta2"] * s.get("u", 0.0), np.abs(g) + hp["eps"])
    p -= hp["lr"] / (1 - b1 ** t) * s["m"] / s["u"]


def _nadam(p, g, s, hp, t):
    g, b1 = _l2(p, g, hp), hp["beta1"]
    _moments(g, s, hp)
    mu, mu_next = (b1 * (1 - 0.5 * rules.NADAM_MU_BASE ** (k * rules.NADAM_MOMENTUM_DECAY)) for k in (t, t + 1))
    s["prod"] = s.get("prod", 1.0) * mu
    denom = np.sqrt(s["v"] / (1 - hp["beta2"] ** t)) + hp["eps"]
    p -= hp["lr"] * ((1 - mu) / (1 - s["prod"]) * g + mu_next / (1 - s["prod"] * mu_next) * s["m"]) / denom


def _radam(p, g, s, hp, t):
    g, b2 = _l2(p, g, hp), hp["beta2"]
    _moments(g, s, hp)
    m_hat = s["m"] / (1 - hp["beta1"] ** t)
    rho_inf = 2 / (1 - b2) - 1
    rho_t = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)
    if rho_t > rules.RADAM_RECTIFY_THRESHOLD:
        rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        p -= hp["lr"] * m_hat * rect * math.sqrt(1 - b2 ** t) / (np.sqrt(s["v"]) + hp["eps"])
    else:
        p -= hp["lr"] * m_hat


def _lion(p, g, s, hp, t):
    b1, b2, m = hp["beta1"], hp["beta2"], s.get("m", 0.0)
    p *= 1 - hp["lr"] * hp["weight_decay"]
    p -= hp["lr"] * np.sign(b1 * m + (1 - b1) * g)
    s["m"] = b2 * m + (1 - b2) * g


NUMPY_RULES = {
    "gd": lambda p, g, s, hp, t: _sgd(p, g, s, {**hp, "momentum": 0.0}, t),
    "momentum": _sgd,
    "nag": lambda p, g, s, hp, t: _sgd(p, g, s, hp, t, nesterov=True),
    "adagrad": _adagrad, "adadelta": _adadelta, "rmsprop": _rmsprop, "adam": _adam,
    "amsgrad": lambda p, g, s, hp, t: _adam(p, g, s, hp, t, amsgrad=True),
    "adamax": _adamax, "nadam": _nadam,
    "adamw": lambda p, g, s, hp, t: _adam(p, g, s, hp, t, decoupled=True),
    "radam": _radam, "lion": _lion,
}


def _torch_factories() -> dict:
    """Our name → torch.optim constructor from our hyperparameters (Lion has no torch.optim class)."""
    def adam_like(cls, **extra):
        return lambda p, hp: cls([p], lr=hp["lr"], betas=(hp["beta1"], hp["beta2"]), eps=hp["eps"],
                                 weight_decay=hp["weight_decay"], **extra)
    optim = torch.optim
    return {
        "gd": lambda p, hp: optim.SGD([p], lr=hp["lr"], weight_decay=hp["weight_decay"]),
        "momentum": lambda p, hp: optim.SGD([p], lr=hp["lr"], momentum=hp["momentum"],
                                            weight_decay=hp["weight_decay"]),
        "nag": lambda p, hp: optim.SGD([p], lr=hp["lr"], momentum=hp["momentum"], nesterov=True,
                                       weight_decay=hp["weight_decay"]),
        "adagrad": lambda p, hp: optim.Adagrad([p], lr=hp["lr"], eps=hp["eps"], weight_decay=hp["weight_decay"]),
        "adadelta": lambda p, hp: optim.Adadelta([p], lr=hp["lr"], rho=hp["rho"], eps=hp["eps"],
                                                 weight_decay=hp["weight_decay"]),
        "rmsprop": lambda p, hp: optim.RMSprop([p], lr=hp["lr"], alpha=hp["rho"], eps=hp["eps"],
                                               momentum=hp["momentum"], weight_decay=hp["weight_decay"]),
        "adam": adam_like(optim.Adam), "amsgrad": adam_like(optim.Adam, amsgrad=True),
        "adamax": adam_like(optim.Adamax), "nadam": adam_like(optim.NAdam), "adamw": adam_like(optim.AdamW),
        "radam": adam_like(optim.RAdam),
    }


def _best_seconds(work) -> float:
    best = math.inf
    for _ in range(REPEATS):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def numba_rate(name: str) -> float:
    settings = make_settings(SURFACE, [(name, {})], steps=NUMBA_STEPS, start=START)
    result = engine.run(settings)  # load or compile first
    if result.diverged_at[0] is not None:
        raise SystemExit(f"{name} diverges on {SURFACE}: pick a start where every optimizer stays finite")
    return NUMBA_STEPS / _best_seconds(lambda: engine.run(settings))


def numpy_rate(name: str) -> float:
    hp, rule = OPTIMIZERS[name].defaults, NUMPY_RULES[name]

    def loop():
        p, state = np.array(START), {}
        for t in range(1, NUMPY_STEPS + 1):
            rule(p, rosenbrock_grad(p), state, hp, t)
    return NUMPY_STEPS / _best_seconds(loop)


def torch_rate(name: str, factories: dict) -> float | None:
    if name not in factories:
        return None

    def loop():
        p = torch.tensor(START, dtype=torch.float64, requires_grad=True)
        opt = factories[name](p, OPTIMIZERS[name].defaults)
        for _ in range(TORCH_STEPS):
            opt.zero_grad()
            ((1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2).backward()
            opt.step()
    return TORCH_STEPS / _best_seconds(loop)


def startup_seconds(cache_dir: str) -> tuple[float, float]:
    """(wall, CPU) seconds of import + first trajectory of every optimizer in a fresh interpreter that uses
    the Numba cache ``cache_dir``."""
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir, "PYTHONPATH": str(PROJECT_ROOT)}
    out = subprocess.run([sys.executable, "-c", STARTUP_SCRIPT], env=env, cwd=PROJECT_ROOT, check=True,
                         capture_output=True, text=True).stdout
    wall, cpu = out.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _row(name: str, fast: float, baseline: float, reference: float | None) -> str:
    row = f"{name:<10}{fast:>14,.0f}{baseline:>12,.0f}"
    if reference is None:
        return row + f"{'—':>12}{fast / baseline:>12,.0f}×{'—':>13}"
    ratio = fast / reference
    return (row + f"{reference:>12,.0f}{fast / baseline:>12,.0f}×{ratio:>12,.0f}×"
            f"   {_verdict(ratio >= TARGET_TORCH_RATIO)}")


def main() -> None:
    factories = _torch_factories() if torch is not None else {}
    if torch is not None:
        torch.set_num_threads(1)  # 2-element tensors gain nothing from threads; one thread is less noisy
    print(f"Steps per second on {SURFACE} from {START}, default hyperparameters, best of {REPEATS} "
          f"(numba {NUMBA_STEPS} steps, numpy {NUMPY_STEPS}, torch {TORCH_STEPS})")
    if torch is None:
        print("torch is not installed: the torch column is skipped")
    header = (f"{'optimizer':<10}{'numba':>14}{'numpy':>12}{'torch':>12}{'numba/numpy':>13}{'numba/torch':>13}"
              f"   target ≥{TARGET_TORCH_RATIO:g}× torch")
    print(header)
    print("-" * len(header))
    for name in OPTIMIZERS:
        print(_row(name, numba_rate(name), numpy_rate(name), torch_rate(name, factories)))
    if torch is not None:
        print("(— : torch.optim has no Lion)")

    with tempfile.TemporaryDirectory(prefix="descent-lab-bench-numba-") as cache_dir:
        cold = startup_seconds(cache_dir)
        warm = startup_seconds(cache_dir)
    print(f"\nimport + first {STARTUP_STEPS}-step trajectory of all {len(OPTIMIZERS)} optimizers, fresh interpreter:")
    for label, (wall, cpu), target in (("cold (empty Numba cache)", cold, TARGET_COLD_SECONDS),
                                       ("warm (cache from above) ", warm, TARGET_WARM_SECONDS)):
        print(f"  {label}: {wall:6.2f} s wall ({cpu:5.2f} s CPU)   target < {target:g} s: "
              f"{_verdict(wall < target)}")


if __name__ == "__main__":
    main()
