"""The MLP 784 → H → 10 (ReLU, softmax cross-entropy) on sparse inputs, forward and backward in Numba.

Parameters live in ONE flat vector θ (float32 for training, float64 for the gradient check), so the optimizer
rules of ``optimizers.rules`` update it exactly as they update a 2D point. The layout (see :class:`Layout`):

    W1 (784, H)  row j: the weights from pixel j to every hidden unit (torch's weight.T, so a pixel's row is
                 contiguous for the sparse first layer)
    b1 (H,)      W2 (10, H) (torch's layout)      b2 (10,)

Inputs are normalised as in the PyTorch reference, x̃ = (x/255 − μ)/σ with μ = 0.1307, σ = 0.3081. Only about
150 of 784 pixels are non-zero, so we split x̃ = s − μ/σ·1 with s = x/(255σ) sparse, and the first layer is

    z = x̃·W1 + b1 = s·W1 + (b1 − μ/σ · Σ_j W1[j, :])          (cost ∝ non-zero pixels, not 784)
    ∂L/∂W1[j, :] = Σ_n s_nj · δ_n − μ/σ · Σ_n δ_n,   δ_n = ∂L/∂z_n

Forward: h = relu(z), o = W2·h + b2, L = mean_n (logsumexp(o_n) − o_n[y_n]).
Backward: ∂L/∂o = (softmax(o) − onehot(y)) / B;  ∂L/∂W2 = Σ ∂o ⊗ h;  δ = (W2ᵀ·∂o) ⊙ [z > 0].

Initialisation matches torch.nn.Linear: kaiming-uniform with a = √5, i.e. W and b ~ U(−1/√fan_in, 1/√fan_in).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from mnist.data import IMAGE_SIDE, N_CLASSES

N_INPUTS = IMAGE_SIDE * IMAGE_SIDE
PIXEL_MAX = 255.0
MNIST_MEAN = 0.1307  # mean and std of the training pixels in [0, 1]: the PyTorch examples' normalisation
MNIST_STD = 0.3081
SHIFT = MNIST_MEAN / MNIST_STD  # every pixel's normalised value is s − SHIFT, with s zero for background
# NumPy's error model: a division by zero gives inf/NaN instead of a Python exception, which spares a check per
# division and lets loops vectorise; divergence is detected from non-finite values instead.
JIT = dict(cache=True, nogil=True, error_model="numpy")
# Reassociation lets LLVM vectorise the dot products over hidden units; no "nnan"/"ninf", so a diverging
# run still produces inf/NaN that the trainer detects.
FAST = dict(JIT, fastmath={"reassoc", "contract", "nsz", "arcp"})
INLINE = dict(JIT, inline="always")


@dataclass(frozen=True)
class Layout:
    """Offsets of W1, b1, W2, b2 in the flat parameter vector of an MLP with ``hidden`` units."""

    hidden: int

    @property
    def b1(self) -> int:
        return N_INPUTS * self.hidden

    @property
    def w2(self) -> int:
        return self.b1 + self.hidden

    @property
    def b2(self) -> int:
        return self.w2 + N_CLASSES * self.hidden

    @property
    def size(self) -> int:
        return self.b2 + N_CLASSES

    def views(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """W1 (784, H), b1 (H,), W2 (10, H), b2 (10,) as views into ``theta`` (writes go through)."""
        h = self.hidden
        return (theta[:self.b1].reshape(N_INPUTS, h), theta[self.b1:self.w2],
                theta[self.w2:self.b2].reshape(N_CLASSES, h), theta[self.b2:self.size])

    def filter_slices(self) -> list[slice]:
        """The slices of θ holding one filter each (a hidden or output unit's incoming weights), as Li et al.
        normalise them; W1's column k is strided, so it is returned as a strided slice."""
        h = self.hidden
        first = [slice(k, self.b1, h) for k in range(h)]
        second = [slice(self.w2 + c * h, self.w2 + (c + 1) * h) for c in range(N_CLASSES)]
        return first + second

    def bias_slices(self) -> list[slice]:
        return [slice(self.b1, self.w2), slice(self.b2, self.size)]


def init_params(hidden: int, seed: int) -> np.ndarray:
    """Seeded float32 θ with torch.nn.Linear's default distribution: U(−1/√fan_in, 1/√fan_in) everywhere."""
    layout = Layout(hidden)
    rng = np.random.default_rng(seed)
    theta = np.empty(layout.size, dtype=np.float32)
    w1, b1, w2, b2 = layout.views(theta)
    for array, fan_in in ((w1, N_INPUTS), (b1, N_INPUTS), (w2, hidden), (b2, hidden)):
        bound = 1.0 / math.sqrt(fan_in)
        array[...] = rng.uniform(-bound, bound, size=array.shape)
    return theta


@dataclass(frozen=True)
class SparseImages:
    """Images in CSR form: sample n's non-zero pixels are ``indices[indptr[n]:indptr[n+1]]`` with values
    s = x/(255σ) (the sparse part of the normalised input), and its label."""

    indptr: np.ndarray  # int64 (n + 1,)
    indices: np.ndarray  # int32
    values: np.ndarray  # float32 (or float64 for the gradient check)
    labels: np.ndarray  # int64 (n,)

    def __len__(self) -> int:
        return self.labels.size

    def subset(self, rows: np.ndarray) -> "SparseImages":
        """The samples ``rows``, in that order, as their own compact CSR arrays."""
        counts = np.diff(self.indptr)[rows]
        indptr = np.zeros(rows.size + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        # entry q of the subset is entry q − indptr[r] + self.indptr[rows[r]] of the original, r its sample
        take = np.arange(indptr[-1]) + np.repeat(self.indptr[rows] - indptr[:-1], counts)
        return SparseImages(indptr, self.indices[take], self.values[take], self.labels[rows])


def sparse_images(images: np.ndarray, labels: np.ndarray, dtype=np.float32) -> SparseImages:
    """CSR form of uint8 images (n, 28, 28)."""
    flat = images.reshape(len(images), N_INPUTS)
    total = np.count_nonzero(flat)
    indptr = np.zeros(len(images) + 1, dtype=np.int64)
    indices, values = np.empty(total, np.int32), np.empty(total, dtype)
    _fill_csr(flat, PIXEL_MAX * MNIST_STD, indptr, indices, values)
    return SparseImages(indptr, indices, values, labels.astype(np.int64))


@njit(**JIT)  # no fastmath: each value is the float64 quotient x/scale rounded to ``values``' dtype, as NumPy's
def _fill_csr(flat, scale, indptr, indices, values):
    """One pass over the pixels (five times faster than NumPy's nonzero and fancy indexing for 60,000 images):
    sample n's non-zero columns and their values x/scale into ``indices``/``values``, their end into indptr[n+1]."""
    q = 0
    for n in range(flat.shape[0]):
        for j in range(flat.shape[1]):
            if flat[n, j] != 0:
                indices[q] = j
                values[q] = flat[n, j] / scale
                q += 1
        indptr[n + 1] = q


@njit(**INLINE)
def _like(value, array):
    """``value`` as a scalar of ``array``'s dtype, so float32 kernels never promote to float64 (which would
    stop LLVM from vectorising them)."""
    out = np.empty(1, array.dtype)
    out[0] = value
    return out[0]


@njit(**INLINE)
def _views(theta, hidden):
    """W1 (784, H), b1, W2 (10, H), b2 as views of θ. Two-dimensional views matter for speed: with a flat
    index ``row + k`` Numba cannot prove the index is non-negative and LLVM falls back to gathers."""
    b1 = N_INPUTS * hidden
    w2 = b1 + hidden
    b2 = w2 + N_CLASSES * hidden
    return (theta[:b1].reshape((N_INPUTS, hidden)), theta[b1:w2],
            theta[w2:b2].reshape((N_CLASSES, hidden)), theta[b2:b2 + N_CLASSES])


@njit(**FAST)
def _effective_bias(w1, b1, out):
    """out = b1 − SHIFT · Σ_j W1[j, :]: the first layer's bias with every pixel's constant −SHIFT folded in."""
    shift = _like(SHIFT, w1)
    out[:] = b1
    for j in range(N_INPUTS):
        for k in range(out.size):
            out[k] -= shift * w1[j, k]


@njit(**FAST)
def _hidden_preactivation(w1, bias, indptr, indices, values, n, z):
    """z = s_n·W1 + bias for sample n, touching only its non-zero pixels."""
    z[:] = bias
    for q in range(indptr[n], indptr[n + 1]):
        j = indices[q]
        v = values[q]
        for k in range(z.size):
            z[k] += v * w1[j, k]


@njit(**FAST)
def _logits(w2, b2, h, o):
    """o = W2·h + b2."""
    for c in range(N_CLASSES):
        acc = b2[c]
        for k in range(h.size):
            acc += w2[c, k] * h[k]
        o[c] = acc


@njit(**FAST)
def _softmax_xent(o, label, prob):
    """prob = softmax(o); returns −log prob[label], computed stably as logsumexp(o) − o[label]."""
    top = o[0]
    for c in range(1, N_CLASSES):
        top = max(top, o[c])
    total = 0.0
    for c in range(N_CLASSES):
        prob[c] = math.exp(o[c] - top)
        total += prob[c]
    for c in range(N_CLASSES):
        prob[c] /= total
    return math.log(total) + top - o[label]


@njit(**FAST)
def loss_and_grad(theta, hidden, indptr, indices, values, labels, rows, grad):
    """Mean cross-entropy over the samples ``rows`` and its gradient, written into ``grad`` (same layout as θ)."""
    w1, b1, w2, b2 = _views(theta, hidden)
    g_w1, g_b1, g_w2, g_b2 = _views(grad, hidden)
    dtype = theta.dtype
    bias = np.empty(hidden, dtype)
    z = np.empty(hidden, dtype)
    h = np.empty(hidden, dtype)
    delta = np.empty(hidden, dtype)
    o = np.empty(N_CLASSES, dtype)
    prob = np.empty(N_CLASSES, dtype)
    grad[:] = 0
    _effective_bias(w1, b1, bias)
    inv_batch = _like(1.0 / rows.size, theta)
    shift = _like(SHIFT, theta)
    loss = 0.0
    for r in range(rows.size):
        n = rows[r]
        _hidden_preactivation(w1, bias, indptr, indices, values, n, z)
        for k in range(hidden):
            h[k] = max(z[k], 0)
        _logits(w2, b2, h, o)
        loss += _softmax_xent(o, labels[n], prob)
        prob[labels[n]] -= 1
        delta[:] = 0
        for c in range(N_CLASSES):
            d_o = prob[c] * inv_batch
            g_b2[c] += d_o
            for k in range(hidden):
                g_w2[c, k] += d_o * h[k]
                delta[k] += d_o * w2[c, k]
        for k in range(hidden):
            if z[k] <= 0:
                delta[k] = 0
            g_b1[k] += delta[k]
        for q in range(indptr[n], indptr[n + 1]):
            j = indices[q]
            v = values[q]
            for k in range(hidden):
                g_w1[j, k] += v * delta[k]
    # Every pixel's constant −SHIFT part adds −SHIFT·Σ_n δ_n (= −SHIFT·∂L/∂b1) to every row of ∂L/∂W1.
    for j in range(N_INPUTS):
        for k in range(hidden):
            g_w1[j, k] -= shift * g_b1[k]
    return loss / rows.size


@njit(**FAST)
def evaluate(theta, hidden, indptr, indices, values, labels):
    """(mean cross-entropy, accuracy) of θ on every sample."""
    w1, b1, w2, b2 = _views(theta, hidden)
    dtype = theta.dtype
    bias = np.empty(hidden, dtype)
    z = np.empty(hidden, dtype)
    o = np.empty(N_CLASSES, dtype)
    prob = np.empty(N_CLASSES, dtype)
    _effective_bias(w1, b1, bias)
    n_samples = labels.size
    loss = 0.0
    correct = 0
    for n in range(n_samples):
        _hidden_preactivation(w1, bias, indptr, indices, values, n, z)
        for k in range(hidden):
            z[k] = max(z[k], 0)
        _logits(w2, b2, z, o)
        loss += _softmax_xent(o, labels[n], prob)
        best = 0
        for c in range(1, N_CLASSES):
            if o[c] > o[best]:
                best = c
        correct += best == labels[n]
    return loss / max(n_samples, 1), correct / max(n_samples, 1)


@njit(**FAST)
def hidden_preactivations(theta, hidden, indptr, indices, values, out):
    """out[n] = x̃_n·W1 + b1 for every sample. Linear in (W1, b1), so it also maps a direction in weight space
    to the change of the pre-activations along it (used by the landscape grid)."""
    w1, b1, _, _ = _views(theta, hidden)
    bias = np.empty(hidden, theta.dtype)
    _effective_bias(w1, b1, bias)
    for n in range(out.shape[0]):
        _hidden_preactivation(w1, bias, indptr, indices, values, n, out[n])
