"""The tiny CNN of the popular MNIST comparisons, forward and backward in Numba on the same sparse inputs:

    conv 3×3 (16) → ReLU → max-pool 2 → conv 3×3 (32) → ReLU → max-pool 2 → dense 10
    (softmax cross-entropy)

Adam (lr 0.001, batch 128) reaches about 98.55% test accuracy with it in 5 epochs; with 8 and 16 channels it stays
near 98.1%. 28×28 → 26×26×16 → 13×13×16 → 11×11×32 → 5×5×32 (the pool drops the last row and column, as torch's
floor mode does) → 10. Activations are stored channels-last. The second convolution's forward pass and the dense
layer are matrix products over the whole mini-batch (BLAS through ``np.dot``): each 3×3×16 input patch of the
second convolution is one row of a patch matrix (im2col), so z2 = patches·K2. Backward, ∂L/∂z2 is zero except at
each pooling window's positive maximum, so instead of the dense products patchesᵀ·∂L/∂z2 and ∂L/∂z2·K2ᵀ each
such entry δ adds δ·patch to ∂L/∂K2 and δ·K2[:, c] onto the pixels its patch came from (a quarter of the work).

Parameters are ONE flat vector θ, in this order (shaped for those products):

    K1 (16, 3·3)                  b1 (16,)    [torch's Conv2d weight (16, 1, 3, 3)]
    K2 (3·3·16, 32) row (k_y, k_x, c_in)      b2 (32,)    [torch's (32, 16, 3, 3), permuted]
    W3 (5·5·32, 10) row (y, x, c)             b3 (10,)    [torch's Linear weight, transposed]

The first convolution folds the constant part of the normalised input x̃ = s − SHIFT (see ``mnist.model``) into
its bias, as the MLP does: no padding, so every output sees nine input pixels and

    z1[y, x, c] = Σ_k s[y + k_y, x + k_x]·K1[c, k] + (b1[c] − SHIFT·Σ_k K1[c, k]),
    ∂L/∂K1[c, k] = Σ s[y + k_y, x + k_x]·δ1[y, x, c] − SHIFT·∂L/∂b1[c].

Backward through a max-pool sends the gradient to the first maximum of each window (torch's choice) and through
the ReLU only where that maximum is positive; so only one conv output in four gets a gradient, and the second
convolution's backward pass visits those alone. Initialisation is torch's default for Conv2d and Linear:
U(−1/√fan_in, 1/√fan_in) for weights and biases, fan_in = input channels · 9 for a convolution.
"""
from __future__ import annotations

import math
import os

import numpy as np
from numba import njit

from mnist.data import IMAGE_SIDE, N_CLASSES
from mnist.model import FAST, SHIFT, _like, _softmax_xent

# One BLAS thread for the products below unless the user chose otherwise. They are small (a batch of 128 gives
# 12,800 × 144 by 144 × 32), and a second thread that spins on a busy 2-core machine made an epoch 1.8× slower
# (12.9 s → 7.1 s, measured in one run). Read when SciPy's BLAS is first loaded, i.e. at the first compile or
# cache load of these kernels, after this import.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

C1 = 16  # channels of the first convolution
C2 = 32  # channels of the second
KERNEL = 3
TAPS = KERNEL * KERNEL
PATCH = TAPS * C1  # inputs of one output of the second convolution
POOL = 2
S1 = IMAGE_SIDE - KERNEL + 1  # 26: first convolution's output side
P1 = S1 // POOL  # 13
S2 = P1 - KERNEL + 1  # 11
P2 = S2 // POOL  # 5
USED2 = POOL * P2  # 10: the rows and columns of the second convolution that some pooling window reads
POSITIONS2 = USED2 * USED2  # patches per image
FEATURES = P2 * P2 * C2  # 800 inputs to the dense layer
EVAL_BATCH = 128  # test images per forward pass of evaluate: 10,000 in 0.29 s here, 0.35 s by 500
# RUN_TIME_COUNT: loops over the 16 channels of the first layer run to a count read from an array's shape. With
# the constant C1, LLVM unrolls such a loop fully and then leaves it scalar, unable to prove that the arrays do not
# overlap; with a count known only at run time its loop vectoriser checks the overlap once and uses vector
# instructions: 0.47 → 0.17 ns per multiply-add of the first convolution, measured here.

OFFSETS = np.cumsum([0, C1 * TAPS, C1, PATCH * C2, C2, FEATURES * N_CLASSES, N_CLASSES])
N_PARAMS = int(OFFSETS[-1])
FAN_INS = (TAPS, TAPS, PATCH, PATCH, FEATURES, FEATURES)  # fan-in of each block above


def init_params(seed: int) -> np.ndarray:
    """Seeded float32 θ with torch's default Conv2d/Linear distribution, block by block."""
    rng = np.random.default_rng(seed)
    theta = np.empty(N_PARAMS, dtype=np.float32)
    for block, fan_in in enumerate(FAN_INS):
        bound = 1.0 / math.sqrt(fan_in)
        theta[OFFSETS[block]:OFFSETS[block + 1]] = rng.uniform(-bound, bound, OFFSETS[block + 1] - OFFSETS[block])
    return theta


@njit(**FAST)
def _views(theta):
    """K1 (16, 9), b1, K2 (144, 32), b2, W3 (800, 10), b3 as views of θ."""
    o = OFFSETS
    return (theta[o[0]:o[1]].reshape((C1, TAPS)), theta[o[1]:o[2]], theta[o[2]:o[3]].reshape((PATCH, C2)),
            theta[o[3]:o[4]], theta[o[4]:o[5]].reshape((FEATURES, N_CLASSES)), theta[o[5]:o[6]])


@njit(**FAST)
def _scatter_image(indptr, indices, values, n, s):
    """s (28, 28) = the sparse part of sample n's normalised image."""
    s[:, :] = 0
    for q in range(indptr[n], indptr[n + 1]):
        s[indices[q] // IMAGE_SIDE, indices[q] % IMAGE_SIDE] = values[q]


@njit(**FAST)
def _pool_relu(z, bias, pooled, arg, first_py, last_py, first_px, last_px):
    """pooled = relu(max over each 2×2 window of z + bias); arg = the window's first maximum (0–3 as
    2·row + column), which receives the window's gradient. Windows outside rows first_py…last_py or columns
    first_px…last_px (inclusive) must hold zeros in z: they get relu(bias) and their first entry unread."""
    for py in range(pooled.shape[0]):
        for px in range(pooled.shape[1]):
            if not (first_py <= py <= last_py and first_px <= px <= last_px):
                for c in range(pooled.shape[2]):
                    pooled[py, px, c] = max(bias[c], 0)
                    arg[py, px, c] = 0
                continue
            for c in range(pooled.shape[2]):
                best = z[POOL * py, POOL * px, c]
                where = 0
                for d in range(1, POOL * POOL):
                    value = z[POOL * py + d // POOL, POOL * px + d % POOL, c]
                    if value > best:
                        best = value
                        where = d
                pooled[py, px, c] = max(best + bias[c], 0)
                arg[py, px, c] = where


@njit(**FAST)
def _first_layer(k1t, bias1, indptr, indices, values, n, z1, p1, arg1, patches):
    """Convolve sample n's image with K1, ReLU and pool into p1, then copy p1's 3×3×16 patches into the rows of
    ``patches`` (one per used output of the second layer).

    The convolution visits the image's non-zero pixels only, spreading each over the outputs it reaches
    (z1[y, x, :] += s[y + k_y, x + k_x]·K1ᵀ[k_y, k_x, :]): no test per pixel of a mostly empty image. The
    indices are in row-major order, so every output still sums its taps in the order (k_y, k_x). The pool then
    reads only the windows within reach of the ink's bounding box; in the others z1 is zero, as the ink-free
    windows of the dense network are constant, so they take relu(bias) and their first entry."""
    channels = k1t.shape[2]  # C1, as a count the compiler does not know: see RUN_TIME_COUNT
    z1[:, :, :] = 0
    for q in range(indptr[n], indptr[n + 1]):
        v = values[q]
        pixel_y, pixel_x = indices[q] // IMAGE_SIDE, indices[q] % IMAGE_SIDE
        for ky in range(KERNEL):
            y = pixel_y - ky
            if 0 <= y < S1:
                for kx in range(KERNEL):
                    x = pixel_x - kx
                    if 0 <= x < S1:
                        for c in range(channels):
                            z1[y, x, c] += v * k1t[ky, kx, c]
    # the pooling windows that hold an output reached by a non-zero pixel: the rest of z1 is zero
    first, last = indptr[n], indptr[n + 1]
    left, right = IMAGE_SIDE, -1
    for q in range(first, last):
        left, right = min(left, indices[q] % IMAGE_SIDE), max(right, indices[q] % IMAGE_SIDE)
    top, bottom = (indices[first] // IMAGE_SIDE, indices[last - 1] // IMAGE_SIDE) if last > first else (1, 0)
    _pool_relu(z1, bias1, p1, arg1, max(top - KERNEL + 1, 0) // POOL, min(bottom, S1 - 1) // POOL,
               max(left - KERNEL + 1, 0) // POOL, min(right, S1 - 1) // POOL)
    for y in range(USED2):
        for x in range(USED2):
            row = patches[y * USED2 + x]
            for ky in range(KERNEL):
                for kx in range(KERNEL):
                    for ci in range(C1):
                        row[(ky * KERNEL + kx) * C1 + ci] = p1[y + ky, x + kx, ci]


@njit(**FAST)
def _forward(theta, indptr, indices, values, rows, s, p1, arg1, patches, z2, p2, arg2, logits):
    """Logits (B, 10) of the samples ``rows``; keeps what backward needs (images, pooled activations, the
    pooling windows' maxima, the patch matrix)."""
    k1, b1, k2, b2, w3, b3 = _views(theta)
    dtype = theta.dtype
    shift = _like(SHIFT, theta)
    bias1 = np.empty(C1, dtype)  # b1 − SHIFT·Σ_k K1[:, k]: every pixel's constant −SHIFT folded in
    k1t = np.empty((KERNEL, KERNEL, C1), dtype)  # K1 with channels last
    for c in range(C1):
        bias1[c] = b1[c]
        for tap in range(TAPS):
            bias1[c] -= shift * k1[c, tap]
            k1t[tap // KERNEL, tap % KERNEL, c] = k1[c, tap]
    z1 = np.empty((S1, S1, C1), dtype)
    for r in range(rows.size):
        _scatter_image(indptr, indices, values, rows[r], s[r])
        _first_layer(k1t, bias1, indptr, indices, values, rows[r], z1, p1[r], arg1[r],
                     patches[r * POSITIONS2:(r + 1) * POSITIONS2])
    np.dot(patches, k2, z2)
    for r in range(rows.size):
        _pool_relu(z2[r * POSITIONS2:(r + 1) * POSITIONS2].reshape((USED2, USED2, C2)), b2, p2[r], arg2[r],
                   0, P2 - 1, 0, P2 - 1)
    np.dot(p2.reshape((rows.size, FEATURES)), w3, logits)
    for r in range(rows.size):
        for c in range(N_CLASSES):
            logits[r, c] += b3[c]


@njit(**FAST)
def _buffers(n, dtype):
    return (np.empty((n, IMAGE_SIDE, IMAGE_SIDE), dtype), np.empty((n, P1, P1, C1), dtype),
            np.empty((n, P1, P1, C1), np.int8), np.empty((n * POSITIONS2, PATCH), dtype),
            np.empty((n * POSITIONS2, C2), dtype), np.empty((n, P2, P2, C2), dtype),
            np.empty((n, P2, P2, C2), np.int8), np.empty((n, N_CLASSES), dtype))


@njit(**FAST)
def _second_layer_backward(d_pooled, pooled, arg, patches, first_row, k2t, g_k2t, g_b2, d_patch, d_p1):
    """One image's gradient through the second pool, ReLU and convolution (its patches are the rows of
    ``patches`` from ``first_row`` on), added into ∂L/∂K2ᵀ (``g_k2t``), ∂L/∂b2 and ∂L/∂p1.

    Only each window's positive maximum carries a gradient δ: ∂L/∂z2 is zero in three entries of four or more,
    so instead of two dense products with it, each output position takes the channels whose window maximum it
    holds, adds δ·patch to their rows of ∂L/∂K2ᵀ, sums δ·K2[:, c] into its patch's gradient ``d_patch`` and adds
    that once onto the 3×3×16 pixels of p1 the patch was copied from: a quarter of the products' arithmetic."""
    for y in range(USED2):
        for x in range(USED2):
            py, px = y // POOL, x // POOL
            here = (y % POOL) * POOL + x % POOL  # this position's number within its window, as in ``arg``
            patch = first_row + y * USED2 + x
            d_patch[:] = 0
            reached = False
            for c in range(C2):
                if arg[py, px, c] == here and pooled[py, px, c] > 0:
                    g = d_pooled[py, px, c]
                    g_b2[c] += g
                    for j in range(PATCH):
                        g_k2t[c, j] += g * patches[patch, j]
                        d_patch[j] += g * k2t[c, j]
                    reached = True
            if reached:
                for ky in range(KERNEL):
                    for kx in range(KERNEL):
                        base = (ky * KERNEL + kx) * C1
                        for ci in range(C1):
                            d_p1[y + ky, x + kx, ci] += d_patch[base + ci]


@njit(**FAST)
def loss_and_grad(theta, indptr, indices, values, labels, rows, grad):
    """Mean cross-entropy over the samples ``rows`` and its gradient, written into ``grad`` (θ's layout)."""
    k1, b1, k2, b2, w3, b3 = _views(theta)
    g_k1, g_b1, g_k2, g_b2, g_w3, g_b3 = _views(grad)
    dtype = theta.dtype
    n = rows.size
    s, p1, arg1, patches, z2, p2, arg2, logits = _buffers(n, dtype)
    _forward(theta, indptr, indices, values, rows, s, p1, arg1, patches, z2, p2, arg2, logits)
    grad[:] = 0
    inv_batch = _like(1.0 / n, theta)
    prob = np.empty(N_CLASSES, dtype)
    loss = 0.0
    for r in range(n):  # logits → ∂L/∂logits, in place
        label = labels[rows[r]]
        loss += _softmax_xent(logits[r], label, prob)
        prob[label] -= 1
        for c in range(N_CLASSES):
            logits[r, c] = prob[c] * inv_batch
            g_b3[c] += logits[r, c]
    features = p2.reshape((n, FEATURES))
    np.dot(features.T, logits, g_w3)
    d_features = np.dot(logits, w3.T)
    k2t = np.ascontiguousarray(k2.T)  # (32, 144): channel c's kernel as one contiguous row
    g_k2t = np.zeros((C2, PATCH), dtype)  # ∂L/∂K2 transposed, the same way
    d_patch = np.empty(PATCH, dtype)
    d_p1 = np.empty((P1, P1, C1), dtype)
    for r in range(n):
        d_p1[:, :, :] = 0
        _second_layer_backward(d_features[r].reshape((P2, P2, C2)), p2[r], arg2[r], patches, r * POSITIONS2,
                               k2t, g_k2t, g_b2, d_patch, d_p1)
        # first convolution: its input is the image, so only the weights need a gradient
        for py in range(P1):
            for px in range(P1):
                for c in range(C1):
                    if p1[r, py, px, c] > 0:
                        g = d_p1[py, px, c]
                        where = arg1[r, py, px, c]
                        y, x = POOL * py + where // POOL, POOL * px + where % POOL
                        g_b1[c] += g
                        for ky in range(KERNEL):
                            for kx in range(KERNEL):
                                g_k1[c, ky * KERNEL + kx] += g * s[r, y + ky, x + kx]
    g_k2[:, :] = g_k2t.T
    shift = _like(SHIFT, theta)
    for c in range(C1):  # every pixel's constant −SHIFT part: −SHIFT·∂L/∂b1 on each tap
        for tap in range(TAPS):
            g_k1[c, tap] -= shift * g_b1[c]
    return loss / n


@njit(**FAST)
def evaluate(theta, indptr, indices, values, labels):
    """(mean cross-entropy, accuracy) of θ on every sample, EVAL_BATCH samples per forward pass."""
    n_samples = labels.size
    s, p1, arg1, patches, z2, p2, arg2, logits = _buffers(EVAL_BATCH, theta.dtype)
    prob = np.empty(N_CLASSES, theta.dtype)
    loss = 0.0
    correct = 0
    for first in range(0, n_samples, EVAL_BATCH):
        rows = np.arange(first, min(first + EVAL_BATCH, n_samples))
        n = rows.size
        _forward(theta, indptr, indices, values, rows, s[:n], p1[:n], arg1[:n], patches[:n * POSITIONS2],
                 z2[:n * POSITIONS2], p2[:n], arg2[:n], logits[:n])
        for r in range(n):
            loss += _softmax_xent(logits[r], labels[rows[r]], prob)
            best = 0
            for c in range(1, N_CLASSES):
                if logits[r, c] > logits[r, best]:
                    best = c
            correct += best == labels[rows[r]]
    return loss / max(n_samples, 1), correct / max(n_samples, 1)
