"""Train the MNIST MLP with several optimizers side by side, using the product's one set of update rules.

Every optimizer step is ``optimizers.rules.apply_update`` on the flat weight vector, the very function that
moves the 2D points, so there is one Adam in the whole product. A fair comparison: every optimizer starts
from the same initial weights (seeded, torch.nn.Linear's distribution) and sees the same mini-batches in the
same order (one seeded permutation per epoch, shared). Batch size 1 is SGD, the whole training set is batch
gradient descent, anything between is mini-batch SGD; the last batch of an epoch may be smaller, as with
torch's DataLoader (drop_last=False).

Runs advance in chunks of steps, interleaved across optimizers, so the app can draw every loss curve live and
a rerun can cancel training between chunks; each chunk boundary is a weight snapshot for the landscape.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np
from numba import njit

from landscapes.mnist import model
from landscapes.mnist.data import Mnist
from optimizers import rules
from optimizers.registry import OPTIMIZERS, get_optimizer
from validation import ValidationError, parse_int

# Learning rates that train this MLP well in 3 epochs (batch 64, H = 64), used when the user gives none.
# The torch defaults of the registry suit the 2D lessons; for a network some need changing. Measured in
# PyTorch on this model: SGD 0.1, momentum 0.01, Adagrad 0.01, Adadelta 1.0, RMSprop 1e-3, Adamax 2e-3,
# NAdam 2e-3, Adam 1e-3; NAG follows momentum, AMSGrad/AdamW/RAdam follow Adam, and Lion takes Adam's step
# divided by 10 (its steps are ±lr per coordinate, so it needs a 3–10× smaller lr than Adam).
MNIST_DEFAULT_LR: dict[str, float] = {
    "gd": 0.1, "momentum": 0.01, "nag": 0.01, "adagrad": 0.01, "adadelta": 1.0, "rmsprop": 1e-3,
    "adam": 1e-3, "amsgrad": 1e-3, "adamax": 2e-3, "nadam": 2e-3, "adamw": 1e-3, "radam": 1e-3, "lion": 1e-4,
}
assert set(MNIST_DEFAULT_LR) == set(OPTIMIZERS), "every registered optimizer needs an MNIST default lr"

DEFAULT_HIDDEN = 64
DEFAULT_BATCH_SIZE = 64
DEFAULT_EPOCHS = 3
MAX_HIDDEN = 1024
MAX_EPOCHS = 50
MAX_SEED = 2**32 - 1
DEFAULT_SNAPSHOTS_PER_EPOCH = 10  # weight snapshots per optimizer and epoch: enough points for a smooth path
MAX_SNAPSHOTS_PER_EPOCH = 100
# Adam's first moments of weights into dead ReLU units decay by β1 each step towards float32's subnormal
# range, where every operation on them is 20–35% slower (measured). Values below this threshold change no
# update measurably (Adam divides by √v + ε with ε ≥ 1e-8), and at β1 = 0.9 they need hundreds of steps to
# reach the subnormal range (< 1.2e-38), so zeroing them every FLUSH_PERIOD steps keeps the state normal.
FLUSH_BELOW = 1e-30
FLUSH_PERIOD = 64
NOT_DIVERGED = -1
JIT = model.JIT
# The product's update rules (the source of ``rules.apply_update``, not a copy), compiled with NumPy's error
# model: Numba's default Python error model checks every division for zero, which keeps the rules' loops
# scalar; on this model's 50,890 weights Adam's step is 3.4× faster without the checks (0.25 → 0.07 s an
# epoch). Every rule's denominators are ≥ ε > 0, so the results are identical. Not cached, because its cache
# entries would share rules.apply_update's index file; it is compiled into the cached ``train_steps``.
apply_update = njit(nogil=True, error_model="numpy")(rules.apply_update.py_func)


@dataclass(frozen=True)
class TrainConfig:
    """A validated comparison on MNIST (plain, hashable data: it keys caches)."""

    runs: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]  # (optimizer, validated hyperparameters)
    hidden: int = DEFAULT_HIDDEN
    batch_size: int = DEFAULT_BATCH_SIZE
    epochs: int = DEFAULT_EPOCHS
    seed: int = 0
    train_subset: int | None = None  # None: all 60,000 training images
    snapshots_per_epoch: int = DEFAULT_SNAPSHOTS_PER_EPOCH

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.runs]

    def labels(self) -> list[str]:
        """``adam (lr=0.001)``: the optimizer and its learning rate, as tables and legends show it."""
        return [f"{name} (lr={dict(hp)['lr']:g})" for name, hp in self.runs]


def mnist_hyperparams(name: str, given: Mapping[str, object] | None = None) -> dict[str, float]:
    """The optimizer's validated hyperparameters: the registry's defaults, this model's default lr, then ``given``."""
    spec = get_optimizer(name)
    return spec.validate({"lr": MNIST_DEFAULT_LR[spec.name], **(given or {})})


def make_config(runs: Sequence[tuple[str, Mapping[str, object]]], hidden: object = DEFAULT_HIDDEN,
                batch_size: object = DEFAULT_BATCH_SIZE, epochs: object = DEFAULT_EPOCHS, seed: object = 0,
                train_subset: object = None, snapshots_per_epoch: object = DEFAULT_SNAPSHOTS_PER_EPOCH,
                n_train: int = 60_000) -> TrainConfig:
    """Validate every input once (one-line errors); ``n_train`` is the size of the available training set."""
    if not runs:
        raise ValidationError("choose at least one optimizer")
    subset = None if train_subset in (None, "", 0) else parse_int("train subset", train_subset, 1, n_train)
    n_used = subset or n_train
    return TrainConfig(
        runs=tuple((get_optimizer(name).name, tuple(mnist_hyperparams(name, hp).items())) for name, hp in runs),
        hidden=parse_int("hidden units", hidden, 1, MAX_HIDDEN),
        batch_size=parse_int("batch size", batch_size, 1, n_used),
        epochs=parse_int("epochs", epochs, 1, MAX_EPOCHS),
        seed=parse_int("seed", seed, 0, MAX_SEED),
        train_subset=subset,
        snapshots_per_epoch=parse_int("snapshots per epoch", snapshots_per_epoch, 1, MAX_SNAPSHOTS_PER_EPOCH),
    )


@dataclass
class TrainResult:
    """Everything a comparison produced, as plain arrays (k optimizers, s steps, e epochs, m snapshots).

    train_loss (k, s): mini-batch loss before each step; test_accuracy (k, e) after each epoch (NaN once a
    run diverged); seconds_per_epoch (k, e): time spent in that optimizer's training steps; snapshots
    (k, m, n_params) float32: θ at ``snapshot_steps`` (step 0 is the shared initial weights);
    diverged_at: the step at which a run's loss or weights stopped being finite, or None.
    """

    config: TrainConfig
    train_loss: np.ndarray
    test_accuracy: np.ndarray
    seconds_per_epoch: np.ndarray
    snapshots: np.ndarray
    snapshot_steps: np.ndarray
    diverged_at: list[int | None]
    steps_done: int = 0
    epochs_done: int = 0
    finished: bool = False
    steps_per_epoch: int = field(default=0)


@njit(**JIT)
def flush_tiny(state, threshold):
    """Zero every state entry with |x| < threshold (keeps float32 moments out of the slow subnormal range)."""
    flat = state.reshape(state.size)
    for i in range(flat.size):
        if abs(flat[i]) < threshold:
            flat[i] = 0


@njit(**JIT)
def train_steps(opt_id, hp, theta, grad, state, scalars, t_first, hidden, indptr, indices, values, labels,
                order, batch_size, first_batch, n_batches, losses):
    """Batches ``first_batch …`` of the epoch's ``order``: gradient, then ``rules.apply_update`` (step t is
    1-based and counts from ``t_first``). Writes each batch's loss; returns the batch index (relative to
    ``first_batch``) where the loss or θ became non-finite, or NOT_DIVERGED."""
    for b in range(n_batches):
        start = (first_batch + b) * batch_size
        rows = order[start:min(start + batch_size, order.size)]
        loss = model.loss_and_grad(theta, hidden, indptr, indices, values, labels, rows, grad)
        losses[b] = loss
        if not math.isfinite(loss):
            return b
        t = t_first + b
        apply_update(opt_id, theta, grad, state, scalars, hp, t)
        if t % FLUSH_PERIOD == 0:
            flush_tiny(state, FLUSH_BELOW)
    for i in range(theta.size):
        if not math.isfinite(theta[i]):
            return n_batches - 1
    return NOT_DIVERGED


@dataclass(frozen=True)
class Progress:
    """What the progress callback receives after every chunk (a live view of the unfinished result)."""

    steps_done: int
    total_steps: int
    epoch: int  # 1-based epoch in progress
    result: TrainResult

    @property
    def fraction(self) -> float:
        return self.steps_done / self.total_steps


@dataclass(frozen=True)
class Prepared:
    """The dataset in the model's sparse form, converted once and shared by every run."""

    train: model.SparseImages
    test: model.SparseImages


def prepare(mnist: Mnist) -> Prepared:
    return Prepared(model.sparse_images(mnist.train_images, mnist.train_labels),
                    model.sparse_images(mnist.test_images, mnist.test_labels))


def training_rows(config: TrainConfig, n_train: int) -> np.ndarray:
    """The training images used: all of them, or a seeded random subset of ``train_subset``."""
    if config.train_subset is None or config.train_subset >= n_train:
        return np.arange(n_train)
    rng = np.random.default_rng([config.seed, 1])
    return np.sort(rng.choice(n_train, size=config.train_subset, replace=False))


def _chunk_bounds(steps_per_epoch: int, chunks: int) -> list[tuple[int, int]]:
    """Split an epoch's batches into ``chunks`` near-equal (first, count) pieces, none empty."""
    edges = np.unique(np.linspace(0, steps_per_epoch, min(chunks, steps_per_epoch) + 1).round().astype(int))
    return [(int(a), int(b - a)) for a, b in zip(edges[:-1], edges[1:])]


def train(config: TrainConfig, data: Prepared,
          on_progress: Callable[[Progress], None] | None = None) -> TrainResult:
    """Train every optimizer of ``config``; ``on_progress`` is called after each chunk of steps."""
    train_set = data.train.subset(training_rows(config, len(data.train)))
    n = len(train_set)
    steps_per_epoch = math.ceil(n / config.batch_size)
    total = steps_per_epoch * config.epochs
    chunks = _chunk_bounds(steps_per_epoch, config.snapshots_per_epoch)
    k = len(config.runs)
    theta0 = model.init_params(config.hidden, config.seed)
    thetas = [theta0.copy() for _ in range(k)]
    grads = [np.empty_like(theta0) for _ in range(k)]
    states = [rules.new_state(theta0) for _ in range(k)]
    hps = [get_optimizer(name).hyperparameter_vector(dict(hp)) for name, hp in config.runs]
    oids = [get_optimizer(name).oid for name in config.names]
    n_snapshots = 1 + len(chunks) * config.epochs
    result = TrainResult(
        config=config, train_loss=np.full((k, total), np.nan, dtype=np.float32),
        test_accuracy=np.full((k, config.epochs), np.nan), seconds_per_epoch=np.zeros((k, config.epochs)),
        snapshots=np.empty((k, n_snapshots, theta0.size), dtype=np.float32),
        snapshot_steps=np.zeros(n_snapshots, dtype=np.int64), diverged_at=[None] * k,
        steps_per_epoch=steps_per_epoch)
    result.snapshots[:, 0] = theta0
    shuffle = np.random.default_rng([config.seed, 2])
    test = data.test
    snap = 0
    for epoch in range(config.epochs):
        order = shuffle.permutation(n).astype(np.int64)
        for first, count in chunks:
            step0 = epoch * steps_per_epoch + first
            for i in range(k):
                if result.diverged_at[i] is not None:
                    continue
                state, scalars = states[i]
                began = time.perf_counter()
                bad = train_steps(oids[i], hps[i], thetas[i], grads[i], state, scalars, step0 + 1,
                                  config.hidden, train_set.indptr, train_set.indices, train_set.values,
                                  train_set.labels, order, config.batch_size, first, count,
                                  result.train_loss[i, step0:step0 + count])
                result.seconds_per_epoch[i, epoch] += time.perf_counter() - began
                if bad != NOT_DIVERGED:
                    result.diverged_at[i] = step0 + bad + 1
            snap += 1
            result.snapshot_steps[snap] = step0 + count
            for i in range(k):  # a diverged run repeats its last finite snapshot
                result.snapshots[i, snap] = thetas[i] if result.diverged_at[i] is None else result.snapshots[i, snap - 1]
            result.steps_done = step0 + count
            if on_progress is not None and snap < n_snapshots - 1:
                on_progress(Progress(result.steps_done, total, epoch + 1, result))
        for i in range(k):
            if result.diverged_at[i] is None:
                result.test_accuracy[i, epoch] = model.evaluate(
                    thetas[i], config.hidden, test.indptr, test.indices, test.values, test.labels)[1]
        result.epochs_done = epoch + 1
    result.finished = True
    if on_progress is not None:
        on_progress(Progress(total, total, config.epochs, result))
    return result
