"""The MNIST training follows torch step for step: given the initial weights and batch orders that
``scripts/generate_mnist_golden.py`` recorded from torch.optim, ``train.train`` replays all 50 steps of every
optimizer on the MLP and the CNN.

float64: the watched weights (every bias, 64 evenly spaced entries of each weight matrix) after steps 1, 10, …,
50 and every step's loss within 1e-12 of torch's float64 run (relative to the largest weight / loss).

float32: stepped beside the float64 run (``mnist.resume``), every step's loss and all of θ within 1e-5 of it. A few
runs meet a branch that float32 rounding decides: a max-pool window whose two largest inputs, or a pre-activation
and zero, lie within rounding of each other (so a window passes its gradient to another input, or a ReLU passes
it or not), or one of Lion's sign momenta within rounding of zero (its update ±lr flips, a difference of exactly
2·lr). Where the float32 run takes the other side its weights part from the float64 run's by far more than
rounding, so right after such a step it takes the float64 run's state and every later step is checked again.
Which steps those are depends on the machine: the BLAS kernel a CPU gets sums in its own order, so torch's own
float32 run, or ours elsewhere, meets other ties; that is why the check is against the float64 run (which matches
torch) and not a stored float32 run. A fault of the float32 path larger than rounding parts the runs at the first
step and again after every resync, so it fails: more than MAX_RESYNCS_PER_RUN in one run are not ties. The
stepped run is the product's run (``train.train``'s losses and snapshots, bit for bit) until its first resync, and
the free-running float32 losses stay within 1e-3 of torch's float64 losses after any tie."""
from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from mnist import data, train, train_config
from mnist.resume import SteppedRun
from tests.mnist_files import HAS_MNIST, MNIST_DIR, SKIP_REASON
from optimizers.registry import OPTIMIZERS
from validation import ValidationError

GOLDEN = Path(__file__).resolve().parent / "golden"
TOLERANCE = {np.float64: 1e-12, np.float32: 1e-5}
LOSS_TOLERANCE_AFTER_TIE = 1e-3  # float32 losses against torch's float64 losses, at every step
MAX_RESYNCS_PER_RUN = 3  # ties are rare events: many in one run would be a fault, not rounding
TEST_IMAGES = 100
MIN_MOVEMENT = 1e-4  # every run's weights move far more than the tolerance: the comparison can fail


@pytest.fixture(scope="session")
def mnist() -> data.Mnist:
    """The training images, and a few test images: these tests check training, while every epoch's test
    accuracy of every run (on all 10,000 images) took most of the CNN replays' time."""
    if not HAS_MNIST:
        pytest.skip(SKIP_REASON)
    full = data.load(MNIST_DIR)
    return dataclasses.replace(full, test_images=full.test_images[:TEST_IMAGES],
                               test_labels=full.test_labels[:TEST_IMAGES])


@pytest.fixture(scope="session")
def prepared_as(mnist: data.Mnist) -> Callable[[type], train.Prepared]:
    """dtype → those images in ``train.prepare``'s sparse form, made once per dtype and worker (the tests only
    read it; each float32 run stepped beside the float64 one would otherwise prepare all 60,000 images again)."""
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


def stepped_beside_float64(prepared_as: Callable[[type], train.Prepared], config: train_config.TrainConfig,
                           index: int, gold: dict) -> tuple[np.ndarray, dict[int, np.ndarray], list[int]]:
    """Run ``index`` in float32 and in float64 one step at a time, checking after each step that the float32 run
    is within float32's tolerance of the float64 one, and giving it the float64 state where it parted:
    (the float32 run's losses, {stored step: its θ}, the steps after which it took the float64 state)."""
    low, high = (SteppedRun(config, index, prepared_as(dtype), gold["initial_weights"], gold["batch_orders"])
                 for dtype in (np.float32, np.float64))
    name, tolerance = config.runs[index].optimizer, TOLERANCE[np.float32]
    losses, weights, resyncs = [], {}, []
    for step in range(1, gold["losses"].shape[1] + 1):
        loss, reference = low.advance(1), high.advance(1)
        error = relative_error(loss, reference)
        assert error <= tolerance, f"{name}: the loss of step {step} is off the float64 run's by {error:.2e}"
        losses.extend(loss)
        if step in gold["stored_steps"]:
            weights[step] = low.theta.copy()
        if relative_error(low.theta, high.theta) > tolerance:
            resyncs.append(step)
            low.take_state(high)
    return np.array(losses), weights, resyncs


@pytest.mark.slow
@pytest.mark.parametrize("model_name", ["mlp", "cnn"])
def test_training_replays_torch(prepared_as, model_name):
    result, gold = replay(prepared_as, model_name, np.float64)
    assert {run.optimizer for run in result.config.runs} == set(OPTIMIZERS)
    assert result.snapshots.dtype == np.float64
    np.testing.assert_array_equal(result.batch_orders, gold["batch_orders"])
    steps, watched = gold["stored_steps"], gold["coordinates"]
    assert list(result.snapshot_steps[steps]) == list(steps)  # a snapshot after every step
    tolerance = TOLERANCE[np.float64]
    for i, run in enumerate(result.config.runs):
        assert result.diverged_at[i] is None, run.optimizer
        weights = gold["weights"][i]
        assert np.abs(weights[-1] - gold["initial_weights"][watched]).max() > MIN_MOVEMENT, run.optimizer
        error = relative_error(result.train_loss[i], gold["losses"][i])
        assert error <= tolerance, f"{run.optimizer}: losses off by {error:.2e}"
        for j, step in enumerate(steps):
            error = relative_error(result.snapshots[i, step][watched], weights[j])
            assert error <= tolerance, f"{run.optimizer}: weights after step {step} off by {error:.2e}"


@pytest.mark.slow
@pytest.mark.parametrize("model_name", ["mlp", "cnn"])
def test_float32_training_follows_the_float64_replay(prepared_as, model_name):
    result, gold = replay(prepared_as, model_name, np.float32)
    assert result.snapshots.dtype == np.float32
    for i, run in enumerate(result.config.runs):
        assert result.diverged_at[i] is None, run.optimizer
        losses, weights, resyncs = stepped_beside_float64(prepared_as, result.config, i, gold)
        assert len(resyncs) <= MAX_RESYNCS_PER_RUN, f"{run.optimizer} parted from float64 after steps {resyncs}"
        own = resyncs[0] if resyncs else len(losses)  # steps the stepped run takes on its own
        np.testing.assert_array_equal(losses[:own], result.train_loss[i][:own], err_msg=run.optimizer)
        for step, theta in weights.items():
            if step < own:
                np.testing.assert_array_equal(theta, result.snapshots[i, step], err_msg=f"{run.optimizer} {step}")
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


def test_a_stepped_run_takes_only_the_state_of_the_same_run_at_the_same_step(prepared_as):
    config = train_config.make_config([("adam", {}), ("lion", {})], model_name="mlp", hidden=8, batch_size=16,
                                      epochs=1, train_subset=64)
    theta0, orders = train.initial_weights(config), train.seeded_orders(config, 64)
    adam, lion, adam64 = (SteppedRun(config, index, prepared_as(dtype), theta0, orders)
                          for index, dtype in ((0, np.float32), (1, np.float32), (0, np.float64)))
    adam64.advance(2)
    with pytest.raises(ValidationError, match="adam after 0 steps cannot take the state of adam after 2"):
        adam.take_state(adam64)
    adam.advance(2)
    with pytest.raises(ValidationError, match="adam after 2 steps cannot take the state of lion after 0"):
        adam.take_state(lion)
    adam.take_state(adam64)
    assert adam.theta.dtype == np.float32
    np.testing.assert_array_equal(adam.theta, adam64.theta.astype(np.float32))
    np.testing.assert_array_equal(adam.state, adam64.state.astype(np.float32))
