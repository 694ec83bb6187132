"""The two networks the MNIST comparison can train, behind one integer id that the jitted trainer dispatches on.

- ``mlp``: 784 → H → 10 with a ReLU (``mnist.model``), fast enough to watch live and to draw a loss landscape;
- ``cnn``: the small convolutional network of the popular optimizer comparisons (``mnist.cnn``).

Both read the same sparse images and keep their weights in one flat vector θ, so every optimizer rule updates
them alike.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from mnist import cnn, model

MLP = 0
CNN = 1
MODELS = {"mlp": MLP, "cnn": CNN}
DESCRIPTIONS = {
    "mlp": "MLP 784 → H → 10 (ReLU)",
    "cnn": f"CNN conv 3×3 ({cnn.C1}) → max-pool → conv 3×3 ({cnn.C2}) → max-pool → dense 10 (ReLUs)",
}


def n_params(model_name: str, hidden: int) -> int:
    return model.Layout(hidden).size if MODELS[model_name] == MLP else cnn.N_PARAMS


def init_params(model_name: str, hidden: int, seed: int) -> np.ndarray:
    """Seeded float32 initial weights with torch's default distribution for the network's layers."""
    return model.init_params(hidden, seed) if MODELS[model_name] == MLP else cnn.init_params(seed)


@njit(**model.FAST)
def loss_and_grad(model_id, theta, hidden, indptr, indices, values, labels, rows, grad):
    """Mean cross-entropy over ``rows`` and its gradient (into ``grad``) for network ``model_id``."""
    if model_id == CNN:
        return cnn.loss_and_grad(theta, indptr, indices, values, labels, rows, grad)
    return model.loss_and_grad(theta, hidden, indptr, indices, values, labels, rows, grad)


@njit(**model.FAST)
def evaluate(model_id, theta, hidden, indptr, indices, values, labels):
    """(mean cross-entropy, accuracy) of network ``model_id`` with weights θ on every sample."""
    if model_id == CNN:
        return cnn.evaluate(theta, indptr, indices, values, labels)
    return model.evaluate(theta, hidden, indptr, indices, values, labels)
