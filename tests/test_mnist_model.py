"""The MNIST MLP and its training: gradients, the sparse first layer, fairness, determinism, one implementation
of every update rule, learning-rate schedules and every optimizer's default learning rate (the landscape and
the CLI have their own test modules)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from mnist import model, train, train_config
from mnist.model import MNIST_MEAN, MNIST_STD, N_INPUTS, PIXEL_MAX, Layout
from optimizers import rules
from optimizers.registry import OPTIMIZERS
from optimizers.schedules import lr_curve
from validation import ValidationError
from tests.mnist_files import needs_mnist

CHANCE = 0.1
SMALL_SUBSET = 3000
FD_STEP = 1e-6
# Replayed runs: 3 batches per epoch, 2 epochs, a snapshot after every step (and fewer steps than
# train.FLUSH_PERIOD, so the replay needs no state flushing).
REPLAY = dict(hidden=16, batch_size=32, epochs=2, train_subset=96, snapshots_per_epoch=3)


def random_images(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """MNIST-like uint8 images: mostly background, a blob of ink."""
    rng = np.random.default_rng(seed)
    images = np.where(rng.random((n, 28, 28)) < 0.2, rng.integers(1, 256, (n, 28, 28)), 0).astype(np.uint8)
    return images, rng.integers(0, 10, n)


def dense_loss(theta: np.ndarray, hidden: int, images: np.ndarray, labels: np.ndarray) -> float:
    """The textbook forward pass on dense normalised inputs, in float64: the reference for the sparse kernel."""
    w1, b1, w2, b2 = (v.astype(np.float64) for v in Layout(hidden).views(theta))
    x = (images.reshape(len(images), N_INPUTS) / PIXEL_MAX - MNIST_MEAN) / MNIST_STD
    o = np.maximum(x @ w1 + b1, 0.0) @ w2.T + b2
    top = o.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(o - top).sum(axis=1)) + top[:, 0]
    return float(np.mean(log_norm - o[np.arange(len(labels)), labels]))


def test_init_matches_torch_linear_distribution():
    theta = model.init_params(64, seed=3)
    w1, b1, w2, b2 = Layout(64).views(theta)
    for array, fan_in in ((w1, N_INPUTS), (b1, N_INPUTS), (w2, 64), (b2, 64)):
        bound = 1.0 / math.sqrt(fan_in)
        assert np.abs(array).max() <= bound
    assert abs(w1.std() - (1.0 / math.sqrt(N_INPUTS)) / math.sqrt(3.0)) < 1e-3  # U(−b, b) has std b/√3
    assert theta.dtype == np.float32
    np.testing.assert_array_equal(theta, model.init_params(64, seed=3))


def test_sparse_forward_matches_dense_reference():
    images, labels = random_images(20)
    sparse = model.sparse_images(images, labels, dtype=np.float64)
    theta = model.init_params(16, seed=1).astype(np.float64)
    loss, _ = model.evaluate(theta, 16, sparse.indptr, sparse.indices, sparse.values, sparse.labels)
    assert loss == pytest.approx(dense_loss(theta, 16, images, labels), rel=1e-12)


def test_gradient_matches_finite_differences():
    hidden = 6
    images, labels = random_images(12, seed=2)
    images[:, 0, 0] = 0  # pixel 0 is background in every image: only the −μ/σ shift reaches its weights
    sparse = model.sparse_images(images, labels, dtype=np.float64)
    theta = model.init_params(hidden, seed=4).astype(np.float64) * 3.0  # larger weights: more ReLUs switch
    rows = np.arange(12, dtype=np.int64)
    grad = np.empty_like(theta)
    args = (hidden, sparse.indptr, sparse.indices, sparse.values, sparse.labels, rows)
    model.loss_and_grad(theta, *args, grad)
    layout = Layout(hidden)
    # every block, including the weights of the always-background pixel 0 (indices 0 … hidden − 1)
    checked = [0, 5, hidden + 2, layout.b1, layout.b1 + hidden - 1, layout.w2, layout.w2 + 7,
               layout.b2, layout.size - 1, *np.random.default_rng(0).choice(layout.size, 40, replace=False)]
    scratch = np.empty_like(theta)
    for i in checked:
        up, down = theta.copy(), theta.copy()
        up[i] += FD_STEP
        down[i] -= FD_STEP
        rise = model.loss_and_grad(up, *args, scratch) - model.loss_and_grad(down, *args, scratch)
        numeric = rise / (2 * FD_STEP)
        assert grad[i] == pytest.approx(numeric, rel=1e-5, abs=1e-8), f"parameter {i}"


def test_float32_gradient_agrees_with_float64():
    images, labels = random_images(64, seed=5)
    rows = np.arange(64, dtype=np.int64)
    grads = []
    for dtype in (np.float32, np.float64):
        sparse = model.sparse_images(images, labels, dtype=dtype)
        theta = model.init_params(32, seed=0).astype(dtype)
        grad = np.empty_like(theta)
        model.loss_and_grad(theta, 32, sparse.indptr, sparse.indices, sparse.values, sparse.labels, rows, grad)
        grads.append(grad.astype(np.float64))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-3, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sparse_images_hold_each_non_zero_pixel_scaled_and_rounded_to_the_dtype(dtype):
    images, labels = random_images(20, seed=5)
    images[3] = 0  # an empty image: no entries, the same start and end
    sparse = model.sparse_images(images, labels, dtype)
    dense = np.zeros((len(images), N_INPUTS), dtype)
    for n in range(len(images)):
        part = slice(sparse.indptr[n], sparse.indptr[n + 1])
        assert np.all(np.diff(sparse.indices[part]) > 0)  # row-major order, which the CNN's kernels rely on
        dense[n, sparse.indices[part]] = sparse.values[part]
    assert sparse.indptr[0] == 0 and sparse.indptr[4] == sparse.indptr[3] and sparse.values.dtype == dtype
    expected = (images.reshape(len(images), N_INPUTS) / (PIXEL_MAX * MNIST_STD)).astype(dtype)
    np.testing.assert_array_equal(dense, expected)
    np.testing.assert_array_equal(sparse.labels, labels)


def test_subset_keeps_each_sample():
    images, labels = random_images(30, seed=6)
    full = model.sparse_images(images, labels)
    rows = np.array([7, 2, 29, 2])
    part = full.subset(rows)
    expected = model.sparse_images(images[rows], labels[rows])
    for field in ("indptr", "indices", "values", "labels"):
        np.testing.assert_array_equal(getattr(part, field), getattr(expected, field))


def test_flush_tiny_zeroes_only_tiny_values():
    state = np.array([[1e-31, -1e-31, 1e-20], [0.5, -2e-38, 3.0]], dtype=np.float32)
    train.flush_tiny(state, train.FLUSH_BELOW)
    np.testing.assert_array_equal(state, np.array([[0, 0, 1e-20], [0.5, 0, 3.0]], dtype=np.float32))


def test_every_optimizer_has_a_valid_mnist_default():
    for name in OPTIMIZERS:
        assert train_config.mnist_hyperparams(name)["lr"] == OPTIMIZERS[name].mnist_lr


def replay(prepared: train.Prepared, config: train_config.TrainConfig, i: int, rates: np.ndarray) -> np.ndarray:
    """θ after each update of run ``i``, stepping the model and ``rules.apply_update`` (the 2D engine's function)
    directly, at ``rates[t − 1]`` for update t: the reference the trainer must equal bit for bit."""
    train_set = prepared.train.subset(train.training_rows(config, len(prepared.train)))
    shuffle = np.random.default_rng([config.seed, 2])  # the trainer's shared mini-batch order
    run = config.runs[i]
    hp = run.spec.hyperparameter_vector(run.values)
    theta = model.init_params(config.hidden, config.seed)
    grad = np.empty_like(theta)
    state, scalars = rules.new_state(theta)
    thetas = []
    for _ in range(config.epochs):
        order = shuffle.permutation(len(train_set)).astype(np.int64)
        for first in range(0, len(train_set), config.batch_size):
            model.loss_and_grad(theta, config.hidden, train_set.indptr, train_set.indices, train_set.values,
                                train_set.labels, order[first:first + config.batch_size], grad)
            hp[rules.HP_LR] = rates[len(thetas)]
            rules.apply_update(run.spec.oid, theta, grad, state, scalars, hp, len(thetas) + 1)
            thetas.append(theta.copy())
    return np.array(thetas)


@needs_mnist
def test_training_uses_the_products_update_rule_at_a_constant_rate(prepared):
    """Without a schedule every update runs at the base rate, as before schedules existed: (name, hp) pairs
    and an explicit constant schedule give the same bits as the direct replay."""
    pairs = train_config.make_config([("adam", {}), ("nadam", {}), ("momentum", {})], **REPLAY)
    explicit = train_config.make_config([train_config.mnist_run(name, {}, "constant") for name in pairs.names],
                                        **REPLAY)
    assert explicit == pairs
    result = train.train(pairs, prepared)
    for i, run in enumerate(pairs.runs):
        rates = np.full(result.train_loss.shape[1], run.values["lr"])
        np.testing.assert_array_equal(result.learning_rates[i], rates)
        np.testing.assert_array_equal(result.snapshots[i, 1:], replay(prepared, pairs, i, rates))


@needs_mnist
def test_schedules_set_the_rate_of_each_update_as_torch_does(prepared):
    """t counts optimizer steps across epochs: step decay with step_size = one epoch halves the rate at epoch
    2; the rates equal torch's curves (lr_curve is checked against torch in test_schedules.py)."""
    config = train_config.make_config([
        train_config.mnist_run("gd", {"lr": 0.5}, "step", {"step_size": 3, "gamma": 0.5}),
        train_config.mnist_run("adam", {}, "warmup_cosine", {"warmup": 2, "T_max": 4}),
        train_config.mnist_run("momentum", {}, "cosine", {"T_max": 6, "eta_min": 1e-4})], **REPLAY)
    result = train.train(config, prepared)
    steps = result.train_loss.shape[1]
    np.testing.assert_array_equal(result.learning_rates[0], [0.5] * 3 + [0.25] * 3)
    for i, run in enumerate(config.runs):
        rates = lr_curve(run.schedule, run.schedule_params, run.values["lr"], steps)
        np.testing.assert_array_equal(result.learning_rates[i], rates)
        np.testing.assert_array_equal(result.snapshots[i, 1:], replay(prepared, config, i, rates))


@needs_mnist
def test_warm_up_starts_at_the_start_factor_of_the_rate(prepared):
    """The first update under warm-up (torch's LinearLR) equals a constant run at start_factor · lr."""
    warm = train_config.mnist_run("gd", {"lr": 0.5}, "warmup_cosine", {"warmup": 4, "T_max": 2, "start_factor": 0.25})
    warmed, constant = (train.train(train_config.make_config([run], **REPLAY), prepared)
                        for run in (warm, train_config.mnist_run("gd", {"lr": 0.125})))
    np.testing.assert_array_equal(warmed.snapshots[0, 1], constant.snapshots[0, 1])
    assert not np.array_equal(warmed.snapshots[0, 2], constant.snapshots[0, 2])  # then the rate grows


def test_labels_name_a_schedule_and_schedules_are_validated():
    config = train_config.make_config([train_config.mnist_run("adam", {}, "cosine", {"T_max": 100}),
                                       ("gd", {"lr": 0.05})])
    assert config.labels() == ["adam (lr=0.001, cosine schedule)", "gd (lr=0.05)"]
    assert config.runs[0].schedule_params == (("T_max", 100.0), ("eta_min", 0.0))
    with pytest.raises(ValidationError, match="unknown schedule 'linear'"):
        train_config.mnist_run("adam", {}, "linear")
    with pytest.raises(ValidationError, match=r"T_max must be in \[1, 1e\+06\], got 0"):
        train_config.mnist_run("adam", {}, "cosine", {"T_max": 0})


@needs_mnist
def test_short_training_beats_chance_and_is_reproducible(prepared):
    config = train_config.make_config([("adam", {}), ("gd", {})], epochs=2, train_subset=SMALL_SUBSET, seed=7)
    first, second = train.train(config, prepared), train.train(config, prepared)
    assert np.all(first.test_accuracy[:, -1] > 0.8)
    np.testing.assert_array_equal(first.train_loss, second.train_loss)
    np.testing.assert_array_equal(first.test_accuracy, second.test_accuracy)
    np.testing.assert_array_equal(first.snapshots, second.snapshots)
    np.testing.assert_array_equal(first.snapshots[0, 0], first.snapshots[1, 0])  # same initial weights
    other = train.train(train_config.make_config([("adam", {})], epochs=1, train_subset=SMALL_SUBSET, seed=8), prepared)
    assert not np.array_equal(other.snapshots[0, 0], first.snapshots[0, 0])


@needs_mnist
def test_every_optimizer_trains_at_its_default_lr(prepared):
    config = train_config.make_config([(name, {}) for name in OPTIMIZERS], epochs=1, train_subset=SMALL_SUBSET)
    result = train.train(config, prepared)
    assert result.diverged_at == [None] * len(OPTIMIZERS)
    for name, accuracy in zip(config.names, result.test_accuracy[:, 0]):
        assert accuracy > 3 * CHANCE, name
    assert np.all(np.isfinite(result.train_loss))


@needs_mnist
def test_batch_size_sets_the_flavour_of_gradient_descent(prepared):
    full = train.train(train_config.make_config([("gd", {})], batch_size=200, epochs=2, train_subset=200), prepared)
    assert full.steps_per_epoch == 1 and full.train_loss.shape == (1, 2)  # batch gradient descent
    single = train.train(train_config.make_config([("gd", {"lr": 0.01})], batch_size=1, epochs=1, train_subset=50),
                         prepared)
    assert single.steps_per_epoch == 50  # stochastic gradient descent: one image per step


@needs_mnist
def test_divergence_is_a_result_not_an_error(prepared):
    config = train_config.make_config([("gd", {"lr": 1e3}), ("adam", {})], epochs=2, train_subset=640)
    result = train.train(config, prepared)
    assert result.diverged_at[0] is not None and result.diverged_at[1] is None
    assert np.isnan(result.test_accuracy[0, -1]) and np.isfinite(result.test_accuracy[1]).all()
    assert np.isfinite(result.snapshots[0]).all()  # the landscape still gets finite points


@needs_mnist
def test_progress_reports_every_chunk_and_can_stop_training(prepared):
    config = train_config.make_config([("adam", {})], epochs=2, train_subset=640, snapshots_per_epoch=5)
    seen = []

    def stop_after_three(progress: train.Progress) -> None:
        seen.append(progress.steps_done)
        if len(seen) == 3:
            raise KeyboardInterrupt  # what a rerun of the app does: an exception from the callback

    with pytest.raises(KeyboardInterrupt):
        train.train(config, prepared, stop_after_three)
    assert seen == [2, 4, 6]


@pytest.mark.slow
@needs_mnist
def test_adam_reaches_the_acceptance_accuracy(prepared):
    """H = 64, batch 64, 3 epochs, lr 1e-3: ≥ 96.0% at each seed and ≥ 96.5% on average over seeds 0–2."""
    config = lambda seed: train_config.make_config([("adam", {"lr": 1e-3})], seed=seed)  # noqa: E731
    accuracies = [train.train(config(seed), prepared).test_accuracy[0, -1] for seed in range(3)]
    assert min(accuracies) >= 0.96 and np.mean(accuracies) >= 0.965, accuracies


@needs_mnist
def test_snapshots_shrink_to_fit_the_memory_budget(prepared, monkeypatch):
    config = train_config.make_config([("adam", {}), ("gd", {})], epochs=2, train_subset=640, snapshots_per_epoch=5)
    n_params = Layout(config.hidden).size
    monkeypatch.setattr(train, "SNAPSHOT_BUDGET_BYTES", 2 * n_params * 4 * 5)  # room for 5 snapshots per run
    result = train.train(config, prepared)
    assert result.snapshots.shape[:2] == (2, 1 + 2 * 2)  # 2 per epoch fit, plus the start
