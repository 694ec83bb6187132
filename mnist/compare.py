"""Comparisons beyond one run: the same settings over several seeds, and a small learning-rate grid.

Seeds. One run's final accuracy depends on its seed (initial weights and batch order). :func:`run_seeds` trains
the same comparison with seeds s, s+1, …, s+k−1 and :class:`SeedStudy` reports mean ± sd (sample standard
deviation, ddof = 1) per optimizer. Two optimizers' gap is *within the noise* when it is smaller than
NOISE_FACTOR standard errors of the difference of their means, √(sd_a²/k + sd_b²/k).

Tuning. :func:`tune` trains every optimizer at each learning rate of a grid (other hyperparameters at torch's
defaults) and picks, per optimizer, the rate with the lowest training loss over the last epoch — chosen without
looking at the test set, whose accuracy is then reported for that rate.

Both are plain functions taking ``on_progress(fraction, text)`` and ``cancelled()`` (see ``train.train``). Their
fraction grows in proportion to the optimizer steps done (every run of a comparison takes as many steps), so
:class:`TimeLeft` can estimate the remaining time from the time the steps so far took.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from mnist import train, train_config
from mnist.train import TrainResult
from mnist.train_config import TrainConfig
from simulation.settings import make_run
from validation import parse_int

MAX_SEEDS = 5
NOISE_FACTOR = 2.0
TUNING_GRID = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)  # decades around every optimizer's usual rate
# Progress reports per epoch of a heavy comparison: each is also where a cancelled job stops (a CNN epoch of five
# runs on 60,000 images takes about half a minute, so a tenth of it is a few seconds).
PROGRESS_CHUNKS = 10
PERCENT = 100.0
SECONDS_PER_MINUTE = 60
ProgressText = Callable[[float, str], None]


class TimeLeft:
    """Remaining time of work whose progress fraction f grows in proportion to the work done, measured from the
    work done so far. The clock starts at the first report, because the time before it includes compiling (or
    loading) the kernels, which the rest of the work does not repeat: with (f₀, t₀) the first report and (f, t)
    the latest,

        time left = (1 − f) · (t − t₀) / (f − f₀)

    and nothing (None) until some work has been timed.
    """

    def __init__(self) -> None:
        self._first: tuple[float, float] | None = None

    def update(self, fraction: float, now: float) -> float | None:
        """Record a report at time ``now`` (seconds, any monotonic clock); the estimate in seconds, or None."""
        if self._first is None:
            self._first = (fraction, now)
            return None
        first_fraction, first_time = self._first
        if fraction <= first_fraction:
            return None
        return (1.0 - fraction) * (now - first_time) / (fraction - first_fraction)


def time_left_text(seconds: float | None) -> str:
    """'about 40 s left', 'about 3 min left', or 'estimating the time left' before there is a measurement."""
    if seconds is None:
        return "estimating the time left"
    if seconds < 1.5 * SECONDS_PER_MINUTE:
        return f"about {seconds:.0f} s left"
    return f"about {seconds / SECONDS_PER_MINUTE:.0f} min left"


def with_time_left(on_progress: ProgressText, clock: Callable[[], float] = time.monotonic) -> ProgressText:
    """``on_progress`` with :class:`TimeLeft`'s estimate added to each report's text."""
    estimate = TimeLeft()

    def report(fraction: float, text: str) -> None:
        on_progress(fraction, f"{text}, {time_left_text(estimate.update(fraction, clock()))}")
    return report


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
    seed: one run after another, each from the same initial weights on the same batches (both are seeded), so
    progress and cancellation come every 1/PROGRESS_CHUNKS epoch of one run."""
    runs = [make_run(name, {"lr": lr}) for name in names for lr in grid]
    final_loss = np.full(len(runs), np.inf)
    accuracy = np.full(len(runs), np.nan)
    for r, run in enumerate(runs):
        run_config = train_config.make_config([run], config.hidden, config.batch_size, config.epochs, config.seed,
                                       config.train_subset, PROGRESS_CHUNKS, model_name=config.model)

        def report(progress: train.Progress, r: int = r, label: str = run_config.labels()[0]) -> None:
            if on_progress is not None:
                on_progress((r + progress.fraction) / len(runs),
                            f"{label} ({r + 1} of {len(runs)}), epoch {progress.epoch}/{config.epochs}")

        result = train.train(run_config, data, report, cancelled=cancelled)
        last_epoch = result.train_loss[0, -result.steps_per_epoch:].astype(np.float64).mean()
        if result.diverged_at[0] is None and np.isfinite(last_epoch):
            final_loss[r], accuracy[r] = last_epoch, result.test_accuracy[0, -1]
    shape = (len(names), len(grid))
    return Tuning(tuple(names), tuple(grid), final_loss.reshape(shape), accuracy.reshape(shape))
