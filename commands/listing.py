"""``cli.py list``: every surface and optimizer with its defaults and valid ranges."""
from __future__ import annotations

import argparse

from landscapes.registry import SURFACES
from optimizers.registry import OPTIMIZERS
from optimizers.schedules import SCHEDULES
from simulation.settings import MAX_STEPS, NOISE_RANGE


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("list", help="list surfaces and optimizers with defaults and ranges")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    print("Surfaces:")
    for s in SURFACES.values():
        extra = "".join(f"  [{p.name}={p.default:g} in {p.allowed}]" for p in s.params)
        print(f"  {s.name:<16} start {s.default_start[0]:g},{s.default_start[1]:g}{extra}  {s.lesson}")
    print("\nOptimizers (torch.optim defaults; flags use '-' for '_', e.g. --weight-decay):")
    for o in OPTIMIZERS.values():
        params = ", ".join(f"{h.name}={h.default:g} in {h.allowed}" for h in o.hyperparameters)
        print(f"  {o.name:<9} {o.torch_equivalent}\n            {params}")
    print("\nLearning-rate schedules (--schedule NAME --schedule-params K=V,…; torch.optim.lr_scheduler):")
    for plan in SCHEDULES.values():
        params = ", ".join(f"{p.name}={p.default:g} in {p.allowed}" for p in plan.params) or "no parameters"
        print(f"  {plan.name:<14} {plan.torch_equivalent}: {params}")
    print(f"\nCommon: steps in [1, {MAX_STEPS}], noise in {NOISE_RANGE}, seed in [0, 2^32 - 1], "
          "start X,Y finite")
    return 0
