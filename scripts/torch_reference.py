"""The torch side of the golden data: each surface's published formula, written once for torch and SymPy,
and our optimizer names mapped to torch.optim classes (plus a Lion written as its paper writes it).

The golden generators in ``scripts/`` import it; importing it sets torch's default dtype to float64.
"""
from __future__ import annotations

import inspect
import math
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runs from anywhere, like the generators

from optimizers.registry import OPTIMIZERS  # noqa: E402

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
