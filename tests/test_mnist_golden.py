"""The MNIST training follows torch step for step: given the initial weights and batch orders that
``scripts/generate_mnist_golden.py`` recorded from torch.optim in float64, ``train.train`` replays all 50 steps of
every optimizer on the MLP and the CNN.

float64: every weight and loss within 1e-12 (relative to the largest weight / loss). float32: the first step's
weights within 1e-5, and every loss within 1e-3. Not every weight after 50 steps, because two steps are
discontinuous: Lion moves each weight by ±lr with the sign of a moving average, and a max-pool passes the gradient
to its window's largest input. Where float32 rounding flips such a sign or ties a window, that weight takes the
other branch, and on the CNN the difference spreads (measured: after 50 steps of momentum a third of the CNN's
weights differ by more than 1e-5, while every loss stays within the bound). A wrong rule or gradient is already
off at the first step and fails."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from mnist import data, train
from optimizers.registry import OPTIMIZERS
from validation import ValidationError

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden"
MNIST_DIR = Path(os.environ.get(data.ENV_DIR) or REPO.parent / "shared" / "data" / "mnist")
TOLERANCE = {np.float64: 1e-12, np.float32: 1e-5}
LOSS_TOLERANCE = {np.float64: 1e-12, np.float32: 1e-3}
MIN_MOVEMENT = 1e-4  # every run's weights move far more than the tolerance: the comparison can fail


@pytest.fixture(scope="module")
def mnist() -> data.Mnist:
    if not MNIST_DIR.is_dir():
        pytest.skip("MNIST files not available")
    return data.load(MNIST_DIR)


def golden(model_name: str) -> dict:
    with np.load(GOLDEN / f"mnist_{model_name}.npz") as stored:
        return {key: stored[key] for key in stored.files}


def replay(mnist: data.Mnist, model_name: str, dtype) -> tuple[train.TrainResult, dict]:
    gold = golden(model_name)
    settings = json.loads(str(gold["config"]))
    runs = [train.mnist_run(run["optimizer"], run["hyperparameters"]) for run in json.loads(str(gold["runs"]))]
    config = train.make_config(runs, model_name=settings.pop("model"), **settings)
    np.testing.assert_array_equal(train.training_rows(config, len(mnist.train_labels)), gold["train_rows"])
    result = train.train(config, train.prepare(mnist, dtype), initial_weights=gold["initial_weights"].astype(dtype),
                         batch_orders=gold["batch_orders"])
    return result, gold


def relative_errors(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    return np.abs(ours - theirs).ravel() / np.abs(theirs).max()


@pytest.mark.slow
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("model_name", ["mlp", "cnn"])
def test_training_replays_torch(mnist, model_name, dtype):
    result, gold = replay(mnist, model_name, dtype)
    assert {run.optimizer for run in result.config.runs} == set(OPTIMIZERS)
    assert result.snapshots.dtype == dtype
    np.testing.assert_array_equal(result.batch_orders, gold["batch_orders"])
    steps = gold["stored_steps"]
    assert list(result.snapshot_steps[steps]) == list(steps)  # a snapshot after every step
    for i, run in enumerate(result.config.runs):
        assert result.diverged_at[i] is None, run.optimizer
        expected = gold["weights"][i]
        assert np.abs(expected[-1] - gold["initial_weights"]).max() > MIN_MOVEMENT, run.optimizer
        compared = steps if dtype == np.float64 else steps[:1]  # float32: the first step (see above)
        error = relative_errors(result.snapshots[i, compared], expected[:len(compared)]).max()
        assert error <= TOLERANCE[dtype], f"{run.optimizer}: weights off by {error:.2e}"
        error = relative_errors(result.train_loss[i], gold["losses"][i]).max()
        assert error <= LOSS_TOLERANCE[dtype], f"{run.optimizer}: losses off by {error:.2e}"


def test_training_returns_and_accepts_its_batch_orders(mnist):
    config = train.make_config([("adam", {})], model_name="cnn", batch_size=16, epochs=2, train_subset=64)
    prepared = train.prepare(mnist)
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
