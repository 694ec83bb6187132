"""The CNN's sparse kernels against the textbook dense network in NumPy, on images the golden replay does not
hold: an empty one, a full one, ink only at the borders, a small blob at an odd offset and scattered ink, so that
the first layer's pooling windows beyond the ink are computed as the dense network computes them."""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from mnist import cnn, model
from mnist.model import MNIST_MEAN, MNIST_STD, PIXEL_MAX
from tests.test_mnist_model import random_images

FD_STEP = 1e-6
SIDE = cnn.IMAGE_SIDE


def edge_cases() -> tuple[np.ndarray, np.ndarray]:
    """No ink, all ink, ink at two opposite corners, ink along the last row and column, a blob whose first row
    and column are odd (the first pooling window it reaches starts two pixels before it), then scattered ink."""
    scattered, scattered_labels = random_images(4, seed=7)
    special = np.zeros((5, SIDE, SIDE), np.uint8)
    special[1] = 255
    special[2, 0, 0] = special[2, -1, -1] = 200
    special[3, -1, :] = special[3, :, -1] = 90
    special[4, 3:6, 3:7] = 160
    return np.concatenate([special, scattered]), np.concatenate([np.arange(5), scattered_labels])


def relu_pool(z: np.ndarray) -> np.ndarray:
    """relu(2×2 max-pool) of z (h, w, c), dropping an odd last row and column."""
    h, w = z.shape[0] // cnn.POOL, z.shape[1] // cnn.POOL
    windows = z[:h * cnn.POOL, :w * cnn.POOL].reshape(h, cnn.POOL, w, cnn.POOL, -1)
    return np.maximum(windows.max(axis=(1, 3)), 0.0)


def dense_loss(theta: np.ndarray, images: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy of the textbook forward pass on dense normalised images, in float64."""
    k1, b1, k2, b2, w3, b3 = (v.astype(np.float64) for v in cnn._views(theta))
    losses = []
    for image, label in zip(images, labels):
        x = (image / PIXEL_MAX - MNIST_MEAN) / MNIST_STD
        taps = sliding_window_view(x, (cnn.KERNEL, cnn.KERNEL)).reshape(cnn.S1, cnn.S1, cnn.TAPS)
        p1 = relu_pool(taps @ k1.T + b1)
        patches = sliding_window_view(p1, (cnn.KERNEL, cnn.KERNEL), axis=(0, 1)).transpose(0, 1, 3, 4, 2)
        p2 = relu_pool(patches.reshape(cnn.S2, cnn.S2, cnn.PATCH) @ k2 + b2)
        o = p2.reshape(cnn.FEATURES) @ w3 + b3
        losses.append(np.log(np.exp(o - o.max()).sum()) + o.max() - o[label])
    return float(np.mean(losses))


def test_loss_matches_the_dense_network_on_empty_full_and_border_images():
    images, labels = edge_cases()
    sparse = model.sparse_images(images, labels, np.float64)
    theta = cnn.init_params(3).astype(np.float64)
    rows = np.arange(len(labels))
    loss = cnn.loss_and_grad(theta, sparse.indptr, sparse.indices, sparse.values, sparse.labels, rows,
                             np.empty_like(theta))
    assert abs(loss - dense_loss(theta, images, labels)) < 1e-12
    assert abs(cnn.evaluate(theta, sparse.indptr, sparse.indices, sparse.values, sparse.labels)[0] - loss) < 1e-12


def test_gradient_matches_finite_differences_on_empty_full_and_border_images():
    images, labels = edge_cases()
    sparse = model.sparse_images(images, labels, np.float64)
    theta = cnn.init_params(4).astype(np.float64)
    rows = np.arange(len(labels))
    grad = np.empty_like(theta)
    cnn.loss_and_grad(theta, sparse.indptr, sparse.indices, sparse.values, sparse.labels, rows, grad)
    rng = np.random.default_rng(0)
    for block in range(len(cnn.OFFSETS) - 1):  # a few weights of every block: K1, b1, K2, b2, W3, b3
        for i in rng.integers(cnn.OFFSETS[block], cnn.OFFSETS[block + 1], 3):
            step = np.zeros_like(theta)
            step[i] = FD_STEP
            numeric = (dense_loss(theta + step, images, labels)
                       - dense_loss(theta - step, images, labels)) / (2 * FD_STEP)
            assert abs(grad[i] - numeric) < 1e-6 * max(1.0, abs(numeric)), (block, i)
