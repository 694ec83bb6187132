"""Comparisons beyond one run: the same settings over several seeds, and a small learning-rate grid.

Seeds. One run's final accuracy depends on its seed (initial weights and batch order). :func:`run_seeds` trains
the same comparison with seeds s, s+1, …, s+k−1 and :class:`SeedStudy` reports mean ± sd (sample standard
deviation, ddof = 1) per optimizer. Two optimizers' gap is *within the noise* when it is smaller than
NOISE_FACTOR standard errors of the difference of their means, √(sd_a²/k + sd_b²/k).

Tuning. :func:`tune` trains every optimizer at each learning rate of a grid (other hyperparameters at torch's
defaults) and picks, per optimizer, the rate with the lowest training loss over the last epoch — chosen without
looking at the test set, whose accuracy is then reported for that rate.

Both are plain functions taking ``on_progress(fraction, text)`` and ``cancelled()`` (see ``train.train``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from mnist import train
from mnist.train import TrainConfig, TrainResult
from simulation.settings import make_run
from validation import parse_int

MAX_SEEDS = 5
NOISE_FACTOR = 2.0
TUNING_GRID = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)  # decades around every optimizer's usual rate
PERCENT = 100.0
ProgressText = Callable[[float, str], None]


@dataclass(frozen=True)
class SeedStudy:
    """Final test accuracies (optimizers × seeds, NaN where a run diverged) of one comparison over seeds."""

    labels: tuple[str, ...]
    seeds: tuple[int, ...]
    final_accuracy: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        return self.final_accuracy.mean(axis=1)

    @property
    def sd(self) -> np.ndarray:
        """Sample standard deviation per optimizer; NaN with one seed (no spread to measure)."""
        if len(self.seeds) < 2:
            return np.full(len(self.labels), np.nan)
        return self.final_accuracy.std(axis=1, ddof=1)

    def ranking(self) -> list[int]:
        """Optimizer indices, best mean accuracy first; diverged runs (NaN) last."""
        return sorted(range(len(self.labels)), key=lambda i: -np.nan_to_num(self.mean[i], nan=-1.0))

    def within_noise(self, a: int, b: int) -> bool | None:
        """Whether optimizers a and b differ by less than NOISE_FACTOR standard errors (None: unknown)."""
        if len(self.seeds) < 2 or not np.isfinite(self.mean[[a, b]]).all():
            return None
        error = math.sqrt((self.sd[a] ** 2 + self.sd[b] ** 2) / len(self.seeds))
        return bool(abs(self.mean[a] - self.mean[b]) < NOISE_FACTOR * error)

    def noise_notes(self) -> list[str]:
        """One sentence per neighbouring pair of the ranking."""
        if len(self.seeds) < 2:
            return ["One seed: no spread to compare with. Run 2–5 seeds to see which gaps are noise."]
        notes = []
        order = self.ranking()
        for a, b in zip(order, order[1:]):
            verdict = self.within_noise(a, b)
            if verdict is None:
                continue
            gap = PERCENT * (self.mean[a] - self.mean[b])
            notes.append(f"{self.labels[a]} vs {self.labels[b]}: {gap:.2f} points apart, "
                         + ("within the noise of the seeds." if verdict else "more than the seeds' noise."))
        return notes


def run_seeds(config: TrainConfig, data: train.Prepared, n_seeds: object,
              on_progress: ProgressText | None = None, cancelled: Callable[[], bool] | None = None,
              on_train_progress: Callable[[train.Progress], None] | None = None,
              ) -> tuple[SeedStudy, list[TrainResult]]:
    """Train ``config`` with seeds config.seed, …, config.seed + n − 1 (each seed: its own initial weights and
    batch order, shared by every optimizer); ``on_train_progress`` also receives each run's live result."""
    count = parse_int("seeds", n_seeds, 1, MAX_SEEDS)
    seeds = tuple(config.seed + k for k in range(count))
    results = []
    for k, seed in enumerate(seeds):
        def report(progress: train.Progress, k: int = k, seed: int = seed) -> None:
            if on_progress is not None:
                on_progress((k + progress.fraction) / count,
                            f"seed {seed} ({k + 1} of {count}), epoch {progress.epoch}/{config.epochs}")
            if on_train_progress is not None:
                on_train_progress(progress)
        results.append(train.train(config.with_seed(seed), data, report, cancelled=cancelled))
    accuracy = np.array([result.test_accuracy[:, -1] for result in results]).T
    return SeedStudy(tuple(config.labels()), seeds, accuracy), results


@dataclass(frozen=True)
class Tuning:
    """Per optimizer and grid rate: last-epoch training loss and final test accuracy; the chosen rate."""

    names: tuple[str, ...]
    grid: tuple[float, ...]
    final_loss: np.ndarray  # (optimizers, grid); inf where a run diverged
    accuracy: np.ndarray  # (optimizers, grid); NaN where a run diverged

    def best(self, i: int) -> int:
        """Grid index of optimizer i's lowest training loss."""
        return int(np.argmin(self.final_loss[i]))


def tune(config: TrainConfig, data: train.Prepared, names: Sequence[str], grid: Sequence[float] = TUNING_GRID,
         on_progress: ProgressText | None = None, cancelled: Callable[[], bool] | None = None) -> Tuning:
    """Train each optimizer of ``names`` at every rate of ``grid`` with ``config``'s network, data, epochs and
    seed, in one fair comparison (same start, same batches)."""
    runs = tuple(make_run(name, {"lr": lr}) for name in names for lr in grid)
    grid_config = train.make_config(runs, config.hidden, config.batch_size, config.epochs, config.seed,
                                    config.train_subset, 1, model_name=config.model)

    def report(progress: train.Progress) -> None:
        if on_progress is not None:
            on_progress(progress.fraction, f"{len(runs)} runs, epoch {progress.epoch}/{config.epochs}")

    result = train.train(grid_config, data, report, cancelled=cancelled)
    last_epoch = result.train_loss[:, -result.steps_per_epoch:].astype(np.float64).mean(axis=1)
    diverged = np.array([d is not None for d in result.diverged_at]) | ~np.isfinite(last_epoch)
    shape = (len(names), len(grid))
    return Tuning(tuple(names), tuple(grid), np.where(diverged, np.inf, last_epoch).reshape(shape),
                  result.test_accuracy[:, -1].reshape(shape))
