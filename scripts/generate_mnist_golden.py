"""Generate ``tests/golden/mnist_<model>.npz``: 50 steps of every optimizer on the MNIST MLP and CNN, in torch.

    DESCENT_MNIST_DIR=/path/to/mnist PYTHONPATH=. python scripts/generate_mnist_golden.py   (about 10 s)

torch is needed only here. Each network is written again in torch.nn.functional on views of ONE parameter
tensor laid out as ours (``mnist.model.Layout``, ``mnist.cnn.OFFSETS``), differentiated by autograd and stepped
by the torch.optim class of ``scripts/generate_golden.py`` in float64. Everything a replay needs comes from the
project itself: the initial weights (``train.initial_weights``, float32), the training images used
(``train.training_rows``) and the seeded batch orders (``train.seeded_orders``), all stored in the file, so the
test hands the very same weights and batches to ``train.train``. (The float32 replay is checked against the
float64 one, which matches torch: a float32 run's rounding, and so the few branches it decides, depends on the
machine's BLAS kernels; ``tests/test_mnist_golden.py``.)

Only what the replay test reads is stored, compressed. Output per model: ``initial_weights`` (n,) float32;
``train_rows`` (images used); ``batch_orders`` (epochs, images); ``coordinates``: the watched weights, every
weight of a block with at most WATCHED_PER_BLOCK entries (every bias) and WATCHED_PER_BLOCK evenly spaced ones
of a larger block; ``stored_steps``; ``losses`` (optimizers, STEPS) float64: each mini-batch's loss before its
step; ``weights`` (optimizers, stored steps, watched) float64 after ``stored_steps``; ``runs`` JSON (optimizer and
hyperparameters in the stored order), ``config`` JSON and ``provenance`` JSON (torch version).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))  # runs as a plain script from anywhere, like the CLI

from mnist import cnn, data, train, train_config  # noqa: E402
from mnist.model import MNIST_MEAN, MNIST_STD, N_INPUTS, PIXEL_MAX, Layout  # noqa: E402
from optimizers.registry import OPTIMIZERS  # noqa: E402
from scripts.generate_golden import make_optimizer  # noqa: E402  (also sets torch's default dtype to float64)

GOLDEN_DIR = PROJECT_ROOT / "tests" / "golden"
# 5 epochs of 10 batches of 32 images: 50 steps, fewer than train.FLUSH_PERIOD, so no state flushing happens.
CONFIG = dict(hidden=8, batch_size=32, epochs=5, train_subset=320, seed=0, snapshots_per_epoch=10)
STEPS = 50
STORED_STEPS = (1, 10, 20, 30, 40, 50)
WATCHED_PER_BLOCK = 64


def golden_config(model_name: str) -> train_config.TrainConfig:
    """Every registered optimizer at this model's default hyperparameters."""
    return train_config.make_config([train_config.mnist_run(name) for name in OPTIMIZERS], model_name=model_name, **CONFIG)


def mlp_logits(theta: torch.Tensor, hidden: int, x: torch.Tensor) -> torch.Tensor:
    w1, b1, w2, b2 = Layout(hidden).views(theta)
    return F.linear(F.relu(x.reshape(len(x), N_INPUTS) @ w1 + b1), w2, b2)


def cnn_logits(theta: torch.Tensor, hidden: int, x: torch.Tensor) -> torch.Tensor:
    o = [int(v) for v in cnn.OFFSETS]
    k1 = theta[o[0]:o[1]].view(cnn.C1, 1, cnn.KERNEL, cnn.KERNEL)
    k2 = theta[o[2]:o[3]].view(cnn.KERNEL, cnn.KERNEL, cnn.C1, cnn.C2).permute(3, 2, 0, 1)
    w3 = theta[o[4]:o[5]].view(cnn.FEATURES, 10)
    h = F.max_pool2d(F.relu(F.conv2d(x, k1, theta[o[1]:o[2]])), cnn.POOL)
    h = F.max_pool2d(F.relu(F.conv2d(h, k2, theta[o[3]:o[4]])), cnn.POOL)
    return h.permute(0, 2, 3, 1).flatten(1) @ w3 + theta[o[5]:o[6]]  # features in (row, column, channel) order


LOGITS = {"mlp": mlp_logits, "cnn": cnn_logits}


def blocks(model_name: str, hidden: int) -> list[tuple[int, int]]:
    """(start, stop) of each weight matrix and bias vector in θ."""
    if model_name == "cnn":
        edges = [int(v) for v in cnn.OFFSETS]
    else:
        layout = Layout(hidden)
        edges = [0, layout.b1, layout.w2, layout.b2, layout.size]
    return list(zip(edges[:-1], edges[1:]))


def watched_coordinates(model_name: str, hidden: int) -> np.ndarray:
    """Every entry of a small block (every bias), WATCHED_PER_BLOCK evenly spaced entries of a larger one."""
    picks = [np.linspace(start, stop - 1, min(WATCHED_PER_BLOCK, stop - start)).round().astype(np.int64)
             for start, stop in blocks(model_name, hidden)]
    return np.unique(np.concatenate(picks))


def trajectory(config: train_config.TrainConfig, index: int, theta0: np.ndarray, x: np.ndarray, y: torch.Tensor,
               orders: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(losses (STEPS,), every weight after each of STORED_STEPS) of run ``index`` in torch, in float64."""
    run = config.runs[index]
    theta = torch.tensor(theta0, dtype=torch.float64, requires_grad=True)
    images = torch.tensor(x, dtype=torch.float64)
    optimizer = make_optimizer(run.optimizer, theta, run.values)
    losses, stored = [], []
    batches = [order[b:b + config.batch_size] for order in orders for b in range(0, order.size, config.batch_size)]
    for step, rows in enumerate(batches[:STEPS], start=1):
        optimizer.zero_grad()
        loss = F.cross_entropy(LOGITS[config.model](theta, config.hidden, images[rows]), y[rows])
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if step in STORED_STEPS:
            stored.append(theta.detach().numpy().copy())
    return np.array(losses), np.array(stored)


def write_golden(mnist: data.Mnist, model_name: str) -> Path:
    config = golden_config(model_name)
    rows = train.training_rows(config, len(mnist.train_labels))
    theta0 = train.initial_weights(config)  # float32, exactly representable in float64
    orders = train.seeded_orders(config, rows.size)
    x = ((mnist.train_images[rows] / PIXEL_MAX - MNIST_MEAN) / MNIST_STD)[:, None]
    y = torch.tensor(mnist.train_labels[rows].astype(np.int64))
    watched = watched_coordinates(model_name, config.hidden)
    runs = [trajectory(config, i, theta0, x, y, orders) for i in range(len(config.runs))]
    path = GOLDEN_DIR / f"mnist_{model_name}.npz"
    np.savez_compressed(
        path, initial_weights=theta0, train_rows=rows.astype(np.int32), batch_orders=orders.astype(np.int32),
        coordinates=watched.astype(np.int32), stored_steps=np.array(STORED_STEPS),
        losses=np.array([losses for losses, _ in runs]), weights=np.array([weights[:, watched] for _, weights in runs]),
        runs=json.dumps([{"optimizer": run.optimizer, "hyperparameters": run.values} for run in config.runs]),
        config=json.dumps({"model": model_name, **CONFIG}), provenance=json.dumps({"torch": torch.__version__}))
    return path


def main() -> None:
    mnist = data.load()
    for model_name in LOGITS:
        print(f"wrote {write_golden(mnist, model_name)}")


if __name__ == "__main__":
    main()
