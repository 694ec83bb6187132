"""The MNIST training follows torch step for step: given the initial weights and batch orders that
``scripts/generate_mnist_golden.py`` recorded from torch.optim, ``train.train`` replays all 50 steps of every
optimizer on the MLP and the CNN.

float64: the watched weights (every bias, 64 evenly spaced entries of each weight matrix) after steps 1, 10, …,
50 and every step's loss within 1e-12 of torch's float64 run (relative to the largest weight / loss).

float32: the same quantities within 1e-5 of torch's float32 run, at every stored step. A few CNN runs meet a
branch that float32 rounding decides, where torch's float32 run and ours take different sides: a max-pool window
whose two largest inputs, or a pre-activation and zero, lie within rounding of each other (so a window passes its
gradient to another input, or a ReLU passes it or not), or two of Lion's sign momenta within rounding of zero (their
update ±lr flips, a difference of exactly 2·lr). Before such a step the float32 runs agree to 1e-7–3e-6, and each
departure starts at one such event, not in a slow drift of summation order: there is no reduction order to match,
and torch's float32 run meets the same kind of event against its own float64 run. So the replay is resynchronised
right after each such step (the generator's ``RESYNCED``, stored as ``resync_steps``): stepping through the same
``train.train_steps`` kernel that ``train.train`` runs (``mnist.resume``), it takes torch's float32 values of every
weight and optimizer state entry that differs from ours by more than rounding (the generator's ``TAKEN_ABOVE``)
and its scalar state, and every later step is checked to 1e-5 as well. All 50 losses of every run are checked; the
weights right after a resynchronised step are torch's own there, so that one update's weights are the only ones
not compared. A wrong rule or gradient is already off at the first step and fails, and
the float64 replay, which no tie touches, is never resynchronised. The free-running float32 losses also stay within
1e-3 of torch's float64 losses after any tie."""
from __future__ import annotations

import dataclasses
import functools
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from mnist import data, train, train_config
from mnist.resume import SteppedRun
from optimizers.registry import OPTIMIZERS
from validation import ValidationError

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden"
MNIST_DIR = Path(os.environ.get(data.ENV_DIR) or REPO.parent / "shared" / "data" / "mnist")
TOLERANCE = {np.float64: 1e-12, np.float32: 1e-5}
REFERENCE = {np.float64: "", np.float32: "_float32"}  # suffix of torch's run in the same dtype
LOSS_TOLERANCE_AFTER_TIE = 1e-3  # float32 losses against torch's float64 losses, at every step
MAX_RESYNCS_PER_RUN = 3  # ties are rare events: many in one run would be a fault, not rounding
TEST_IMAGES = 100
MIN_MOVEMENT = 1e-4  # every run's weights move far more than the tolerance: the comparison can fail


@pytest.fixture(scope="session")
def mnist() -> data.Mnist:
    """The training images, and a few test images: these tests check training, while every epoch's test
    accuracy of every run (on all 10,000 images) took most of the CNN replays' time."""
    if not MNIST_DIR.is_dir():
        pytest.skip("MNIST files not available")
    full = data.load(MNIST_DIR)
    return dataclasses.replace(full, test_images=full.test_images[:TEST_IMAGES],
                               test_labels=full.test_labels[:TEST_IMAGES])


@pytest.fixture(scope="session")
def prepared_as(mnist: data.Mnist) -> Callable[[type], train.Prepared]:
    """dtype → those images in ``train.prepare``'s sparse form, made once per dtype and worker (the tests only
    read it; each float32 run resynchronised to torch would otherwise prepare all 60,000 images again)."""
    return functools.cache(functools.partial(train.prepare, mnist))


def golden(model_name: str) -> dict:
    with np.load(GOLDEN / f"mnist_{model_name}.npz") as stored:
        return {key: stored[key] for key in stored.files}


def replay(prepared_as: Callable[[type], train.Prepared], model_name: str, dtype
           ) -> tuple[train.TrainResult, dict]:
    gold = golden(model_name)
    settings = json.loads(str(gold["config"]))
    runs = [train_config.mnist_run(run["optimizer"], run["hyperparameters"]) for run in json.loads(str(gold["runs"]))]
    config = train_config.make_config(runs, model_name=settings.pop("model"), **settings)
    prepared = prepared_as(dtype)
    np.testing.assert_array_equal(train.training_rows(config, len(prepared.train)), gold["train_rows"])
    result = train.train(config, prepared, initial_weights=gold["initial_weights"].astype(dtype),
                         batch_orders=gold["batch_orders"])
    return result, gold


def relative_error(ours: np.ndarray, theirs: np.ndarray) -> float:
    theirs = theirs.astype(np.float64)
    return float(np.abs(ours.astype(np.float64) - theirs).max() / np.abs(theirs).max())


def resynchronised(prepared: train.Prepared, config: train_config.TrainConfig, index: int, gold: dict
                   ) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Run ``index`` in float32 through every step, taking torch's values after each of its resync steps: (the
    loss of every step, {step: θ after it})."""
    name = config.runs[index].optimizer
    points = json.loads(str(gold["resync_steps"]))[name]
    entries, values = gold[f"resync_{name}_entries"], gold[f"resync_{name}_values"]
    run = SteppedRun(config, index, prepared, gold["initial_weights"], gold["batch_orders"])
    losses, weights = [], {}
    for step in range(1, gold["losses"].shape[1] + 1):
        losses.extend(run.advance(1))
        if step in points:
            point = points.index(step)
            chosen = entries[:, 0] == point
            run.take(entries[chosen, 1:], values[chosen], gold[f"resync_scalars_{name}"][point])
        weights[step] = run.theta.copy()
    return np.array(losses), weights


@pytest.mark.slow
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("model_name", ["mlp", "cnn"])
def test_training_replays_torch(prepared_as, model_name, dtype):
    result, gold = replay(prepared_as, model_name, dtype)
    assert {run.optimizer for run in result.config.runs} == set(OPTIMIZERS)
    assert result.snapshots.dtype == dtype
    np.testing.assert_array_equal(result.batch_orders, gold["batch_orders"])
    steps, watched = gold["stored_steps"], gold["coordinates"]
    assert list(result.snapshot_steps[steps]) == list(steps)  # a snapshot after every step
    reference = REFERENCE[dtype]
    resyncs = json.loads(str(gold["resync_steps"])) if dtype == np.float32 else {}
    for i, run in enumerate(result.config.runs):
        assert result.diverged_at[i] is None, run.optimizer
        weights, losses = gold[f"weights{reference}"][i], gold[f"losses{reference}"][i]
        assert np.abs(weights[-1] - gold["initial_weights"][watched]).max() > MIN_MOVEMENT, run.optimizer
        points = resyncs.get(run.optimizer, [])
        assert len(points) <= MAX_RESYNCS_PER_RUN, run.optimizer
        if points:
            our_losses, our_weights = resynchronised(prepared_as(np.float32), result.config, i, gold)
        else:
            our_losses, our_weights = result.train_loss[i], dict(zip(steps, result.snapshots[i, steps]))
        error = relative_error(our_losses, losses)
        assert error <= TOLERANCE[dtype], f"{run.optimizer}: losses off by {error:.2e}"
        for j, step in enumerate(steps):
            if step not in points:  # right after a resync step, θ holds torch's own values
                error = relative_error(our_weights[step][watched], weights[j])
                assert error <= TOLERANCE[dtype], f"{run.optimizer}: weights after step {step} off by {error:.2e}"
        if dtype == np.float32:
            error = relative_error(result.train_loss[i], gold["losses"][i])
            assert error <= LOSS_TOLERANCE_AFTER_TIE, f"{run.optimizer}: losses off torch's float64 by {error:.2e}"


def test_training_returns_and_accepts_its_batch_orders(prepared_as):
    config = train_config.make_config([("adam", {})], model_name="cnn", batch_size=16, epochs=2, train_subset=64)
    prepared = prepared_as(np.float32)
    first = train.train(config, prepared)
    assert first.batch_orders.shape == (2, 64)
    np.testing.assert_array_equal(first.batch_orders, train.seeded_orders(config, 64))
    again = train.train(config, prepared, initial_weights=first.snapshots[0, 0], batch_orders=first.batch_orders)
    np.testing.assert_array_equal(again.snapshots, first.snapshots)
    reversed_orders = first.batch_orders[:, ::-1]
    other = train.train(config, prepared, batch_orders=reversed_orders)
    assert not np.array_equal(other.snapshots[0, -1], first.snapshots[0, -1])
    with pytest.raises(ValidationError, match="batch orders must be 2 permutations of the 64 training images"):
        train.train(config, prepared, batch_orders=np.zeros((2, 64), dtype=np.int64))
    with pytest.raises(ValidationError, match="initial weights must be a float32 or float64 vector"):
        train.train(config, prepared, initial_weights=np.zeros(3, dtype=np.float32))
    with pytest.raises(ValidationError, match="float64 weights need float64 images"):
        train.train(config, prepared, initial_weights=first.snapshots[0, 0].astype(np.float64))
