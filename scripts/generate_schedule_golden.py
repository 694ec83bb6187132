"""Record learning-rate curves from torch.optim.lr_scheduler into tests/golden/schedules.json.

Run once with torch installed (``pip install torch``): ``python scripts/generate_schedule_golden.py``.
The tests replay the file without torch.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
from torch.optim import lr_scheduler as L

OUT = Path(__file__).resolve().parents[1] / "tests" / "golden" / "schedules.json"
BASE_LR = 0.1
STEPS = 400

CASES = [
    ("step", {"step_size": 50, "gamma": 0.5}, lambda o: L.StepLR(o, 50, 0.5)),
    ("exponential", {"gamma": 0.99}, lambda o: L.ExponentialLR(o, 0.99)),
    ("cosine", {"T_max": 120, "eta_min": 0.001}, lambda o: L.CosineAnnealingLR(o, 120, 0.001)),
    ("warmup_cosine", {"warmup": 20, "T_max": 180, "start_factor": 0.1, "eta_min": 0.0},
     lambda o: L.SequentialLR(o, [L.LinearLR(o, 0.1, 1.0, 20), L.CosineAnnealingLR(o, 180, 0.0)], [20])),
    ("inverse_time", {"k": 0.05}, lambda o: L.LambdaLR(o, lambda e: 1 / (1 + 0.05 * e))),
]


def lr_sequence(make_scheduler) -> list[float]:
    """The learning rate each optimizer step uses, stepping the scheduler after the step as torch advises."""
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=BASE_LR)
    scheduler = make_scheduler(optimizer)
    rates = []
    for _ in range(STEPS):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return rates


def main() -> None:
    cases = [{"schedule": name, "params": params, "base_lr": BASE_LR, "lr": lr_sequence(make)}
             for name, params, make in CASES]
    OUT.write_text(json.dumps({"torch": torch.__version__, "cases": cases}))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
