"""The README's PyTorch accuracy figures: the same network trained by torch.optim, from the project's initial
weights on the project's mini-batches, beside the project's own training.

    DESCENT_MNIST_DIR=/path/to/mnist PYTHONPATH=. python scripts/mnist_torch_accuracy.py --model mlp
    ... --model cnn            (Adam, 5 epochs, batch 128: the articles' setting; several minutes)

For each seed it prints the final test accuracy of Adam (lr 0.001) in PyTorch (float32) and in Descent Lab.
The networks are the ones ``scripts/generate_mnist_golden.py`` writes in torch; torch is needed only here.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))  # runs as a plain script from anywhere, like the CLI

from mnist import data, train, train_config  # noqa: E402
from mnist.model import MNIST_MEAN, MNIST_STD, PIXEL_MAX  # noqa: E402
from scripts.generate_mnist_golden import LOGITS  # noqa: E402

SETTINGS = {"mlp": dict(hidden=64, batch_size=64, epochs=3), "cnn": dict(batch_size=128, epochs=5)}
SEEDS = (0, 1, 2)
LR = 1e-3


def torch_accuracy(config: train_config.TrainConfig, mnist: data.Mnist, theta0: np.ndarray,
                   orders: np.ndarray) -> float:
    def images(raw: np.ndarray) -> torch.Tensor:
        return torch.tensor(((raw / PIXEL_MAX - MNIST_MEAN) / MNIST_STD)[:, None], dtype=torch.float32)

    x, y = images(mnist.train_images), torch.tensor(mnist.train_labels.astype(np.int64))
    theta = torch.tensor(theta0, dtype=torch.float32, requires_grad=True)
    optimizer = torch.optim.Adam([theta], lr=LR)
    logits = LOGITS[config.model]
    for order in orders:
        for start in range(0, order.size, config.batch_size):
            rows = torch.from_numpy(order[start:start + config.batch_size])
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(logits(theta, config.hidden, x[rows]), y[rows]).backward()
            optimizer.step()
    with torch.no_grad():
        predicted = logits(theta, config.hidden, images(mnist.test_images)).argmax(1).numpy()
    return float(np.mean(predicted == mnist.test_labels))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=list(SETTINGS), default="mlp")
    args = parser.parse_args()
    torch.set_default_dtype(torch.float32)
    torch.set_num_threads(1)  # on a shared machine spinning OpenMP threads only slow it down
    mnist = data.load()
    prepared = train.prepare(mnist)
    print(f"{args.model}, Adam lr {LR:g}, {SETTINGS[args.model]}: final test accuracy (%)")
    for seed in SEEDS:
        config = train_config.make_config([("adam", {"lr": LR})], seed=seed, snapshots_per_epoch=1,
                                          model_name=args.model, **SETTINGS[args.model])
        ours = train.train(config, prepared)
        theirs = torch_accuracy(config, mnist, ours.snapshots[0, 0], ours.batch_orders)
        print(f"seed {seed}: PyTorch {100 * theirs:.2f}   Descent Lab {100 * ours.test_accuracy[0, -1]:.2f}")


if __name__ == "__main__":
    main()
