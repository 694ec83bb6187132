"""MNIST speed: seconds per training epoch (ours vs the same MLP and CNN in PyTorch) and the landscape grid's time.

Prints, in one run:
- seconds per epoch of Adam on the MLP 784 → 64 → 10, batch 64, all 60,000 images: this implementation
  (Numba, sparse first layer, the product's update rule), and PyTorch with 2 threads and with 1 thread if it
  is installed (dense float32 tensors already in memory, so only the training step is timed), and the ratio
  to the faster PyTorch time (target: ours ≤ 0.6 × PyTorch). Both thread counts are shown because on a busy
  machine PyTorch's two spinning OpenMP threads slow down many times over, which would flatter the ratio;
- the same for one epoch of Adam on the tiny CNN (``mnist.cnn``), batch 128, against the same architecture
  in PyTorch (target: ours ≤ 1.0 × the faster PyTorch time);
- the time of a 41 × 41 landscape grid (PCA plane of three optimizers' paths) on 10,000 and on 60,000 images
  (targets ≤ 1 s and ≤ 4 s), including the first layer's three products, excluding the plane itself.
Best of a few repeats, because the machine may be shared. Run: ``python -m benchmarks.bench_mnist``.
"""
from __future__ import annotations

import time

import numpy as np

from mnist import cnn, data, landscape, train, train_config
from mnist.model import MNIST_MEAN, MNIST_STD, N_INPUTS, PIXEL_MAX

HIDDEN = 64
BATCH = 64
CNN_BATCH = 128
LR = 1e-3
TORCH_THREADS = (2, 1)
REPEATS = 3
CNN_REPEATS = 2  # a CNN epoch takes seconds, not a fraction of one
EPOCH_RATIO_TARGET = 0.6
CNN_RATIO_TARGET = 1.0
GRID_TARGETS = {10_000: 1.0, 60_000: 4.0}  # landscape samples → seconds


def ours_epoch(prepared: train.Prepared, model_name: str = "mlp") -> float:
    batch, repeats = (BATCH, REPEATS) if model_name == "mlp" else (CNN_BATCH, CNN_REPEATS)
    config = train_config.make_config([("adam", {"lr": LR})], hidden=HIDDEN, batch_size=batch, epochs=1,
                               model_name=model_name)
    return min(float(train.train(config, prepared).seconds_per_epoch[0, 0]) for _ in range(repeats))


def torch_net(torch, model_name: str):
    """The same network in torch.nn (the CNN in torch's usual NCHW layout)."""
    nn = torch.nn
    if model_name == "mlp":
        return nn.Sequential(nn.Linear(N_INPUTS, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 10))
    return nn.Sequential(nn.Conv2d(1, cnn.C1, cnn.KERNEL), nn.ReLU(), nn.MaxPool2d(cnn.POOL),
                         nn.Conv2d(cnn.C1, cnn.C2, cnn.KERNEL), nn.ReLU(), nn.MaxPool2d(cnn.POOL), nn.Flatten(),
                         nn.Linear(cnn.FEATURES, 10))


def torch_epoch(mnist: data.Mnist, threads: int, model_name: str = "mlp") -> float | None:
    """One epoch of the same model, data and optimizer in PyTorch; None when torch is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    shape = (-1, N_INPUTS) if model_name == "mlp" else (-1, 1, cnn.IMAGE_SIDE, cnn.IMAGE_SIDE)
    x = torch.from_numpy(((mnist.train_images.reshape(shape) / PIXEL_MAX - MNIST_MEAN) / MNIST_STD)
                         .astype(np.float32))
    y = torch.from_numpy(mnist.train_labels.astype(np.int64))
    net = torch_net(torch, model_name)
    optimizer = torch.optim.Adam(net.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    batch, repeats = (BATCH, REPEATS) if model_name == "mlp" else (CNN_BATCH, CNN_REPEATS)

    def epoch() -> float:
        order = torch.randperm(len(y))
        started = time.perf_counter()
        for start in range(0, len(y), batch):
            rows = order[start:start + batch]
            optimizer.zero_grad()
            loss_fn(net(x[rows]), y[rows]).backward()
            optimizer.step()
        return time.perf_counter() - started

    return min(epoch() for _ in range(repeats))


def grid_seconds(prepared: train.Prepared, n_samples: int) -> float:
    config = train_config.make_config([(name, {}) for name in ("adam", "gd", "momentum")], epochs=1,
                               train_subset=10_000)
    plane = landscape.make_plane(train.train(config, prepared), "pca")
    images = landscape.landscape_samples(prepared.train, n_samples)
    xs, ys = landscape.grid_axes(plane, landscape.DEFAULT_RESOLUTION)
    landscape.loss_grid(plane, HIDDEN, images.subset(np.arange(2)), xs[:2], ys[:2])  # compile or load first
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        landscape.loss_grid(plane, HIDDEN, images, xs, ys)
        best = min(best, time.perf_counter() - started)
    return best


def row(label: str, value: str, target: str = "") -> None:
    print(f"  {label:<31}{value:>9}{'   ' + target if target else ''}")


def compare_epochs(mnist: data.Mnist, prepared: train.Prepared, model_name: str, target: float) -> None:
    ours = ours_epoch(prepared, model_name)
    row("Descent Lab (Numba):", f"{ours:.3f} s")
    theirs = {threads: torch_epoch(mnist, threads, model_name) for threads in TORCH_THREADS}
    if None in theirs.values():
        row("PyTorch:", "not installed (ratio not measured)")
        return
    for threads, seconds in theirs.items():
        row(f"PyTorch ({threads} thread{'s' if threads > 1 else ''}):", f"{seconds:.3f} s")
    ratio = ours / min(theirs.values())
    ok = "PASS" if ratio <= target else "MISS"
    row("ratio ours / faster PyTorch:", f"{ratio:.2f}", f"target ≤ {target:g}: {ok}")


def main() -> None:
    mnist = data.load()
    prepared = train.prepare(mnist)
    print(f"MLP 784 → {HIDDEN} → 10, Adam lr {LR:g}, batch {BATCH}, 60,000 images: seconds per epoch")
    compare_epochs(mnist, prepared, "mlp", EPOCH_RATIO_TARGET)
    print(f"CNN ({cnn.C1}, {cnn.C2} channels), Adam lr {LR:g}, batch {CNN_BATCH}, 60,000 images: seconds per epoch")
    compare_epochs(mnist, prepared, "cnn", CNN_RATIO_TARGET)
    size = landscape.DEFAULT_RESOLUTION
    print(f"Landscape grid {size}×{size} (PCA plane), loss on a fixed subset of training images")
    for n_samples, target in GRID_TARGETS.items():
        seconds = grid_seconds(prepared, n_samples)
        ok = "PASS" if seconds <= target else "MISS"
        row(f"{n_samples:,} images:", f"{seconds:.3f} s", f"target ≤ {target:g} s: {ok}")


if __name__ == "__main__":
    main()
