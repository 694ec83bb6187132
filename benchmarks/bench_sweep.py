"""Stability-map speed: a 100 × 100 grid of 500-step runs in one batched call vs cell by cell.

Prints, in one run, the batched sweep time (target ≤ 1 s) and the time of the same cells run one at a time
through the public single-trajectory API (``engine.run``), measured on a sample of cells and scaled to the grid.
"""
from __future__ import annotations

import time

import numpy as np

from simulation import engine
from simulation.settings import make_settings
from simulation.sweep import sweep

GRID = 100
STEPS = 500
ONE_BY_ONE_SAMPLE = 300  # cells timed through the public API; scaled up to the full grid
TARGET_SECONDS = 1.0
REPEATS = 3


def main() -> None:
    settings = make_settings("ravine", [("momentum", {})], steps=STEPS)
    lrs, betas = np.logspace(-3, 0, GRID), np.linspace(0.0, 0.99, GRID)
    sweep(settings, lrs[:2], "momentum", betas[:2])  # load or compile the kernels first
    batched = min(_timed(lambda: sweep(settings, lrs, "momentum", betas)) for _ in range(REPEATS))

    rng = np.random.default_rng(0)
    cells = [(lrs[i], betas[j]) for i, j in rng.integers(0, GRID, size=(ONE_BY_ONE_SAMPLE, 2))]
    sample = _timed(lambda: [engine.run(make_settings("ravine", [("momentum", {"lr": lr, "momentum": b})],
                                                      steps=STEPS)) for lr, b in cells])
    one_by_one = sample * GRID * GRID / ONE_BY_ONE_SAMPLE

    print(f"{GRID}×{GRID} grid, {STEPS} steps, momentum on the ravine")
    print(f"  batched sweep (parallel jitted):   {batched:8.3f} s   target ≤ {TARGET_SECONDS:g} s: "
          f"{'PASS' if batched <= TARGET_SECONDS else 'MISS'}")
    print(f"  one by one through engine.run:     {one_by_one:8.3f} s   (from {ONE_BY_ONE_SAMPLE} cells)")
    print(f"  speed-up:                          {one_by_one / batched:8.1f}×")


def _timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
