"""What an MNIST comparison trains: the validated :class:`TrainConfig` (network, runs with their
hyperparameters and learning-rate schedules, batch size, epochs, seed, training subset, snapshots), its limits and
defaults, and the learning rates a run gets on MNIST. ``mnist/train.py`` runs a config.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Mapping, Sequence

from mnist import networks
from optimizers.registry import get_optimizer
from simulation.settings import OptimizerRun, make_run
from validation import ValidationError, lookup, parse_int

# The learning rate used when the user gives none is each optimizer's registry ``mnist_lr``: the torch
# defaults suit the 2D lessons, and for a network some need changing.

N_TRAIN_IMAGES = 60_000  # the MNIST training set
DEFAULT_HIDDEN = 64
DEFAULT_BATCH_SIZE = 64
DEFAULT_EPOCHS = 3
MAX_HIDDEN = 256
MAX_EPOCHS = 50
MAX_SEED = 2**32 - 1
DEFAULT_SNAPSHOTS_PER_EPOCH = 10  # weight snapshots per optimizer and epoch: enough points for a smooth path
MAX_SNAPSHOTS_PER_EPOCH = 100


@dataclass(frozen=True)
class TrainConfig:
    """A validated comparison on MNIST (plain, hashable data: it keys caches)."""

    runs: tuple[OptimizerRun, ...]  # optimizer, validated hyperparameters and learning-rate schedule
    model: str = "mlp"  # a key of networks.MODELS
    hidden: int = DEFAULT_HIDDEN  # the MLP's hidden units (the CNN's shape is fixed)
    batch_size: int = DEFAULT_BATCH_SIZE
    epochs: int = DEFAULT_EPOCHS
    seed: int = 0
    train_subset: int | None = None  # None: all 60,000 training images
    snapshots_per_epoch: int = DEFAULT_SNAPSHOTS_PER_EPOCH

    @property
    def names(self) -> list[str]:
        return [run.optimizer for run in self.runs]

    def with_seed(self, seed: int) -> "TrainConfig":
        return dataclasses.replace(self, seed=seed)

    def labels(self) -> list[str]:
        """``adam (lr=0.001, cosine schedule)``: the optimizer, its learning rate, any other hyperparameter
        off torch's default and a non-constant schedule, as tables and legends show it."""
        return [run.label for run in self.runs]


def mnist_hyperparams(name: str, given: Mapping[str, object] | None = None) -> dict[str, float]:
    """The optimizer's validated hyperparameters: the registry's defaults, this model's default lr, then ``given``."""
    spec = get_optimizer(name)
    return spec.validate({"lr": spec.mnist_lr, **(given or {})})


def mnist_run(name: str, given: Mapping[str, object] | None = None, schedule: str = "constant",
              schedule_params: Mapping[str, object] | None = None) -> OptimizerRun:
    """One validated run: :func:`mnist_hyperparams` and the learning-rate schedule with its parameters."""
    return make_run(name, mnist_hyperparams(name, given), schedule, schedule_params)


def batches_per_epoch(n_images: int, batch_size: int) -> int:
    """Optimizer steps per epoch: ⌈n / batch⌉ (the last batch may be smaller)."""
    return math.ceil(n_images / batch_size)


def make_config(runs: Sequence[OptimizerRun | tuple[str, Mapping[str, object]]], hidden: object = DEFAULT_HIDDEN,
                batch_size: object = DEFAULT_BATCH_SIZE, epochs: object = DEFAULT_EPOCHS, seed: object = 0,
                train_subset: object = None, snapshots_per_epoch: object = DEFAULT_SNAPSHOTS_PER_EPOCH,
                n_train: int = N_TRAIN_IMAGES, model_name: object = "mlp") -> TrainConfig:
    """Validate every input once (one-line errors); ``n_train`` is the size of the available training set.

    ``runs`` holds ready :class:`OptimizerRun` items (see :func:`mnist_run`) or ``(optimizer, {hyperparameter:
    value})`` pairs, which train at a constant rate; missing hyperparameters take this model's defaults.
    """
    if not runs:
        raise ValidationError("choose at least one optimizer")
    subset = None if train_subset in (None, "", 0) else parse_int("train subset", train_subset, 1, n_train)
    n_used = subset or n_train
    batch = parse_int("batch size", batch_size, 1, n_train)
    if batch > n_used:  # a message the user can act on, not "an integer in [1, 1]"
        raise ValidationError(f"batch size {batch} is larger than the {n_used} training image"
                              f"{'s' if n_used > 1 else ''} used: lower the batch size or use more images")
    return TrainConfig(
        runs=tuple(run if isinstance(run, OptimizerRun) else mnist_run(*run) for run in runs),
        model=lookup("model", model_name, {name: name for name in networks.MODELS}),
        hidden=parse_int("hidden units", hidden, 1, MAX_HIDDEN),
        batch_size=batch,
        epochs=parse_int("epochs", epochs, 1, MAX_EPOCHS),
        seed=parse_int("seed", seed, 0, MAX_SEED),
        train_subset=subset,
        snapshots_per_epoch=parse_int("snapshots per epoch", snapshots_per_epoch, 1, MAX_SNAPSHOTS_PER_EPOCH),
    )
