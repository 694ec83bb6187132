"""Train an MNIST network (the MLP or the CNN) with several optimizers side by side, using the product's one
set of update rules.

Every optimizer step is ``optimizers.rules.apply_update`` on the flat weight vector, the very function that
moves the 2D points, so there is one Adam in the whole product. A fair comparison: every optimizer starts
from the same initial weights (seeded, torch's default distribution) and sees the same mini-batches in the
same order (one seeded permutation per epoch, shared). Both can be given instead (``initial_weights``,
``batch_orders``), which is how a run is replayed against torch; the result holds the orders it used.
Batch size 1 is SGD, the whole training set is batch gradient descent, anything between is mini-batch SGD;
the last batch of an epoch may be smaller, as with torch's DataLoader (drop_last=False).

Each run may follow a learning-rate schedule (``optimizers.schedules``, torch.optim.lr_scheduler semantics)
stepped once per optimizer step, as in the 2D engine: update t (1-based, counted across epochs) uses
``scheduled_lr(kind, sp, lr, t)``. The constant schedule returns the base rate itself, so it changes nothing.

Runs advance in chunks of steps, interleaved across optimizers, so the app can draw every loss curve live and
a ``cancelled`` check can stop training between chunks; each chunk boundary is a weight snapshot for the
landscape. The weights' dtype sets the arithmetic: float32 normally, float64 to compare with torch.

What to train is a validated :class:`~mnist.train_config.TrainConfig` (``mnist/train_config.py``).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
from numba import njit

from mnist import model, networks
from mnist.data import Mnist
from mnist.train_config import TrainConfig, batches_per_epoch
from optimizers import rules, schedules
from validation import ValidationError

# The config's builders stay importable from here too, for the callers that configure and train through this one
# module (the MNIST comparisons, the golden replay and its generator, the MNIST benchmark).

# Memory for all runs' weight snapshots; long runs of many large networks take fewer snapshots per epoch (at
# least one) rather than exhaust the machine. The default comparison (5 runs, H = 64, 31 snapshots) uses 32 MB.
SNAPSHOT_BUDGET_BYTES = 400 * 2**20
# Adam's first moments of weights into dead ReLU units decay by β1 each step into float32's subnormal range
# (< 1.2e-38), where arithmetic on them is many times slower: without flushing, ~2,400 state entries are
# subnormal after one epoch and an Adam epoch takes 8% longer here (20–35% in plain numpy code). Values below
# FLUSH_BELOW change no update measurably (Adam divides by √v + ε, ε ≥ 1e-8), and at β1 = 0.9 they need
# hundreds of steps to become subnormal, so zeroing them every FLUSH_PERIOD steps keeps the state normal
# (the losses are unchanged to the last bit in that measurement).
FLUSH_BELOW = 1e-30
FLUSH_PERIOD = 64
NOT_DIVERGED = -1
JIT = model.JIT


@dataclass
class TrainResult:
    """Everything a comparison produced, as plain arrays (k optimizers, s steps, e epochs, m snapshots).

    train_loss (k, s): mini-batch loss before each step; learning_rates (k, s): the rate each step used (NaN
    from a divergence on, like the loss); test_accuracy (k, e) after each epoch (NaN once a
    run diverged); seconds_per_epoch (k, e): time spent in that optimizer's training steps; snapshots
    (k, m, n_params) in θ's dtype: θ at ``snapshot_steps`` (step 0 is the shared initial weights);
    diverged_at: the step at which a run's loss or weights stopped being finite, or None; batch_orders (e, n):
    the order in which each epoch visited the training images (indices into the images used).
    """

    config: TrainConfig
    train_loss: np.ndarray
    learning_rates: np.ndarray
    test_accuracy: np.ndarray
    seconds_per_epoch: np.ndarray
    snapshots: np.ndarray
    snapshot_steps: np.ndarray
    diverged_at: list[int | None]
    steps_per_epoch: int
    batch_orders: np.ndarray

    def snapshot_losses(self) -> np.ndarray:
        """(k, m): the training loss at each snapshot, as the mean mini-batch loss of the steps just before it
        (at step 0, the first batch's loss before any update)."""
        edges = self.snapshot_steps
        out = np.empty((self.train_loss.shape[0], edges.size))
        out[:, 0] = self.train_loss[:, 0]
        for j in range(1, edges.size):
            out[:, j] = self.train_loss[:, edges[j - 1]:edges[j]].mean(axis=1)
        return out


@njit(**JIT)
def flush_tiny(state, threshold):
    """Zero every state entry with |x| < threshold (keeps float32 moments out of the slow subnormal range)."""
    flat = state.reshape(state.size)
    for i in range(flat.size):
        if abs(flat[i]) < threshold:
            flat[i] = 0


@njit(**JIT)
def train_steps(opt_id, base_hp, schedule, sp, theta, grad, state, scalars, t_first, model_id, hidden, indptr,
                indices, values, labels, order, batch_size, first_batch, n_batches, losses, lrs):
    """Batches ``first_batch …`` of the epoch's ``order``: gradient, then ``rules.apply_update`` at the
    learning rate ``scheduled_lr(schedule, sp, base_hp[HP_LR], t)`` (step t is 1-based and counts from
    ``t_first``). Writes each batch's loss and each step's rate; returns the batch index (relative to
    ``first_batch``) where the loss or θ became non-finite, or NOT_DIVERGED."""
    hp = base_hp.copy()  # the scheduled rate goes into the copy: base_hp keeps the base rate for later chunks
    for b in range(n_batches):
        start = (first_batch + b) * batch_size
        rows = order[start:min(start + batch_size, order.size)]
        loss = networks.loss_and_grad(model_id, theta, hidden, indptr, indices, values, labels, rows, grad)
        losses[b] = loss
        if not math.isfinite(loss):
            return b
        t = t_first + b
        hp[rules.HP_LR] = schedules.scheduled_lr(schedule, sp, base_hp[rules.HP_LR], t)
        lrs[b] = hp[rules.HP_LR]
        rules.apply_update(opt_id, theta, grad, state, scalars, hp, t)
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


def prepare(mnist: Mnist, dtype=np.float32) -> Prepared:
    """The sparse form in ``dtype``, which must be the weights' dtype (float64 only to compare with torch)."""
    return Prepared(model.sparse_images(mnist.train_images, mnist.train_labels, dtype),
                    model.sparse_images(mnist.test_images, mnist.test_labels, dtype))


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


class TrainingCancelled(Exception):
    """Raised between chunks when the ``cancelled`` check of :func:`train` returns True."""


def _compile_kernels(opt_id: int, hp: np.ndarray, theta0: np.ndarray, model_id: int, hidden: int,
                     train_set: model.SparseImages, test: model.SparseImages) -> None:
    """Compile (or load from Numba's cache) the training and evaluation kernels with zero steps and no
    samples, so ``seconds_per_epoch`` measures training, never compilation."""
    state, scalars = rules.new_state(theta0)
    train_steps(opt_id, hp, schedules.CONSTANT, np.zeros(schedules.MAX_SCHEDULE_PARAMS), theta0.copy(),
                np.empty_like(theta0), state, scalars, 1, model_id, hidden, train_set.indptr, train_set.indices,
                train_set.values, train_set.labels, np.zeros(0, dtype=np.int64), 1, 0, 0,
                np.empty(0, dtype=theta0.dtype), np.empty(0))
    empty = np.zeros(1, dtype=np.int64)
    networks.evaluate(model_id, theta0, hidden, empty, test.indices, test.values, np.zeros(0, dtype=np.int64))


def _snapshots_per_epoch(config: TrainConfig, theta0: np.ndarray) -> int:
    """The requested snapshots per epoch, fewer if all runs' snapshots would exceed SNAPSHOT_BUDGET_BYTES."""
    per_run = SNAPSHOT_BUDGET_BYTES // (len(config.runs) * theta0.nbytes)
    return max(1, min(config.snapshots_per_epoch, (per_run - 1) // config.epochs))


def _empty_result(config: TrainConfig, theta0: np.ndarray, steps_per_epoch: int, n_chunks: int,
                  orders: np.ndarray) -> TrainResult:
    k, total = len(config.runs), steps_per_epoch * config.epochs
    n_snapshots = 1 + n_chunks * config.epochs
    result = TrainResult(
        config=config, train_loss=np.full((k, total), np.nan, dtype=theta0.dtype),
        learning_rates=np.full((k, total), np.nan),
        test_accuracy=np.full((k, config.epochs), np.nan), seconds_per_epoch=np.zeros((k, config.epochs)),
        snapshots=np.empty((k, n_snapshots, theta0.size), dtype=theta0.dtype),
        snapshot_steps=np.zeros(n_snapshots, dtype=np.int64), diverged_at=[None] * k,
        steps_per_epoch=steps_per_epoch, batch_orders=orders)
    result.snapshots[:, 0] = theta0
    return result


def initial_weights(config: TrainConfig) -> np.ndarray:
    """The seeded float32 weights every optimizer of ``config`` starts from."""
    return networks.init_params(config.model, config.hidden, config.seed)


def _checked_weights(config: TrainConfig, given: np.ndarray | None, data: Prepared) -> np.ndarray:
    theta0 = initial_weights(config) if given is None else np.array(given)
    size = networks.n_params(config.model, config.hidden)
    if theta0.shape != (size,) or theta0.dtype not in (np.float32, np.float64):
        raise ValidationError(f"initial weights must be a float32 or float64 vector of {size} values")
    if theta0.dtype != data.train.values.dtype:
        raise ValidationError(f"{theta0.dtype} weights need {theta0.dtype} images (train.prepare's dtype)")
    return theta0


def seeded_orders(config: TrainConfig, n: int) -> np.ndarray:
    """(epochs, n): one seeded permutation of the n training images used per epoch, shared by every run."""
    shuffle = np.random.default_rng([config.seed, 2])
    return np.array([shuffle.permutation(n) for _ in range(config.epochs)], dtype=np.int64)


def _checked_orders(config: TrainConfig, given: np.ndarray | None, n: int) -> np.ndarray:
    if given is None:
        return seeded_orders(config, n)
    orders = np.asarray(given, dtype=np.int64)
    if orders.shape != (config.epochs, n) or not np.all(np.sort(orders, axis=1) == np.arange(n)):
        raise ValidationError(f"batch orders must be {config.epochs} permutations of the {n} training images")
    return orders


def train(config: TrainConfig, data: Prepared, on_progress: Callable[[Progress], None] | None = None,
          initial_weights: np.ndarray | None = None, batch_orders: np.ndarray | None = None,
          cancelled: Callable[[], bool] | None = None) -> TrainResult:
    """Train every optimizer of ``config``; ``on_progress`` is called after each chunk of steps, and training
    stops with :class:`TrainingCancelled` once ``cancelled()`` returns True (checked before each chunk).

    Per epoch: the epoch's row of ``batch_orders``; per chunk of batches, each optimizer in turn runs
    ``train_steps`` on its own θ and state (timed), then every θ is snapshotted; after the epoch, each run's
    accuracy on the full test set is recorded.
    """
    train_set = data.train.subset(training_rows(config, len(data.train)))
    n = len(train_set)
    steps_per_epoch = batches_per_epoch(n, config.batch_size)
    total = steps_per_epoch * config.epochs
    theta0 = _checked_weights(config, initial_weights, data)
    orders = _checked_orders(config, batch_orders, n)
    model_id = networks.MODELS[config.model]
    chunks = _chunk_bounds(steps_per_epoch, _snapshots_per_epoch(config, theta0))
    specs = [run.spec for run in config.runs]
    hps = [run.spec.hyperparameter_vector(run.values) for run in config.runs]
    plans = [schedules.get_schedule(run.schedule) for run in config.runs]
    sps = [plan.vector(run.schedule_params) for plan, run in zip(plans, config.runs)]
    thetas = [theta0.copy() for _ in specs]
    grads = [np.empty_like(theta0) for _ in specs]
    states = [rules.new_state(theta0) for _ in specs]
    result = _empty_result(config, theta0, steps_per_epoch, len(chunks), orders)
    _compile_kernels(specs[0].oid, hps[0], theta0, model_id, config.hidden, train_set, data.test)
    snap = 0
    for epoch, order in enumerate(orders):
        for first, count in chunks:
            if cancelled is not None and cancelled():
                raise TrainingCancelled
            step0 = epoch * steps_per_epoch + first
            for i, spec in enumerate(specs):
                if result.diverged_at[i] is not None:
                    continue
                state, scalars = states[i]
                began = time.perf_counter()
                chunk = slice(step0, step0 + count)
                bad = train_steps(spec.oid, hps[i], plans[i].kind, sps[i], thetas[i], grads[i], state, scalars,
                                  step0 + 1, model_id, config.hidden, train_set.indptr, train_set.indices,
                                  train_set.values, train_set.labels, order, config.batch_size, first, count,
                                  result.train_loss[i, chunk], result.learning_rates[i, chunk])
                result.seconds_per_epoch[i, epoch] += time.perf_counter() - began
                if bad != NOT_DIVERGED:
                    result.diverged_at[i] = step0 + bad + 1
            snap += 1
            result.snapshot_steps[snap] = step0 + count
            for i, theta in enumerate(thetas):  # a diverged run repeats its last finite snapshot
                result.snapshots[i, snap] = theta if result.diverged_at[i] is None else result.snapshots[i, snap - 1]
            if on_progress is not None and step0 + count < total:
                on_progress(Progress(step0 + count, total, epoch + 1, result))
        for i, theta in enumerate(thetas):
            if result.diverged_at[i] is None:
                result.test_accuracy[i, epoch] = networks.evaluate(
                    model_id, theta, config.hidden, data.test.indptr, data.test.indices, data.test.values,
                    data.test.labels)[1]
    if on_progress is not None:
        on_progress(Progress(total, total, config.epochs, result))
    return result
