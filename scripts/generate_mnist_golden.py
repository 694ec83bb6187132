"""Generate ``tests/golden/mnist_<model>.npz``: 50 steps of every optimizer on the MNIST MLP and CNN, in torch.

    DESCENT_MNIST_DIR=/path/to/mnist PYTHONPATH=. python scripts/generate_mnist_golden.py   (a few minutes)

torch is needed only here. Each network is written again in torch.nn.functional on views of ONE parameter
tensor laid out as ours (``mnist.model.Layout``, ``mnist.cnn.OFFSETS``), differentiated by autograd and stepped
by the torch.optim class of ``scripts/generate_golden.py``, once in float64 and once in float32 (with float32
as torch's default dtype, as a float32 user runs it). Everything a replay needs comes from the project itself:
the initial weights (``train.initial_weights``, float32), the training images used (``train.training_rows``)
and the seeded batch orders (``train.seeded_orders``), all stored in the file, so the test hands the very same
weights and batches to ``train.train``.

Only what the replay test reads is stored, compressed. Output per model: ``initial_weights`` (n,) float32;
``train_rows`` (images used); ``batch_orders`` (epochs, images); ``coordinates``: the watched weights, every
weight of a block with at most WATCHED_PER_BLOCK entries (every bias) and WATCHED_PER_BLOCK evenly spaced ones
of a larger block; ``stored_steps``; ``losses`` (optimizers, STEPS) float64: each mini-batch's loss before its
step; ``weights`` (optimizers, stored steps, watched) float64 after ``stored_steps``; ``losses_float32`` and
``weights_float32``: the same from torch's float32 run, in float32; ``runs`` JSON (optimizer and hyperparameters
in the stored order), ``config`` JSON and ``provenance`` JSON (torch version).

Resynchronisation points of the float32 replay: a few float32 runs meet a branch that float32 rounding decides
(a max-pool window whose two largest inputs, or a pre-activation and zero, lie within rounding of each other; a
Lion sign momentum within rounding of zero), where torch's float32 run and ours take different sides and part
by far more than rounding. RESYNCED lists those steps as measured here (ours against torch, both in float32,
every weight after every step). The generator steps our float32 run beside torch's (``mnist.resume``) and after
each such step stores torch's float32 values of every entry of θ and the optimizer's state where ours differs from
it by more than TAKEN_ABOVE (relative, entry by entry; all other entries agree to rounding), and torch's scalar
state: ``resync_steps`` JSON {optimizer: [step, …]}; ``resync_<optimizer>_entries`` (m, 3) uint16: resync point,
row (0: θ, 1…: the state slots in ``optimizers.registry``'s order), index; ``resync_<optimizer>_values`` (m,)
float32; ``resync_scalars_<optimizer>`` (points, scalars) float64. The replay test takes them at the same steps
and checks every later step. Storing every entry instead would quadruple the file for the same check.
"""
from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))  # runs as a plain script from anywhere, like the CLI

from mnist import cnn, data, train, train_config  # noqa: E402
from mnist.resume import SteppedRun  # noqa: E402
from mnist.model import MNIST_MEAN, MNIST_STD, N_INPUTS, PIXEL_MAX, Layout  # noqa: E402
from optimizers.registry import OPTIMIZERS  # noqa: E402
from optimizers.rules import N_SCALAR_STATE  # noqa: E402
from scripts.generate_golden import make_optimizer  # noqa: E402  (also sets torch's default dtype to float64)

GOLDEN_DIR = PROJECT_ROOT / "tests" / "golden"
# 5 epochs of 10 batches of 32 images: 50 steps, fewer than train.FLUSH_PERIOD, so no state flushing happens.
CONFIG = dict(hidden=8, batch_size=32, epochs=5, train_subset=320, seed=0, snapshots_per_epoch=10)
STEPS = 50
STORED_STEPS = (1, 10, 20, 30, 40, 50)
WATCHED_PER_BLOCK = 64
# Steps after which a float32 replay takes torch's state (see above): where ours and torch's float32 runs parted,
# measured with this project's kernels (a different summation order or machine may part elsewhere).
RESYNCED = {"cnn": {"adagrad": (37,), "nadam": (11, 40, 48), "radam": (37,), "lion": (18,)}}
# torch's state entries in the order of each optimizer's state slots (``optimizers.registry``), and its scalars
TORCH_SLOTS = {"gd": (), "momentum": ("momentum_buffer",), "nag": ("momentum_buffer",), "adagrad": ("sum",),
               "adadelta": ("square_avg", "acc_delta"), "rmsprop": ("square_avg", "momentum_buffer"),
               "adam": ("exp_avg", "exp_avg_sq"), "amsgrad": ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
               "adamax": ("exp_avg", "exp_inf"), "nadam": ("exp_avg", "exp_avg_sq"), "adamw": ("exp_avg", "exp_avg_sq"),
               "radam": ("exp_avg", "exp_avg_sq"), "lion": ("exp_avg",)}
TORCH_SCALARS = {"nadam": ("mu_product",)}
TAKEN_ABOVE = 1e-6  # relative difference of an entry from torch's above which the replay takes torch's value


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


@contextlib.contextmanager
def default_dtype(dtype: torch.dtype):
    """torch's default dtype set to ``dtype`` (optimizers keep their scalar state in it) for the block."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


def full_state(optimizer: torch.optim.Optimizer, name: str, theta: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """(θ and the state rows (1 + slots, n), the scalar state) of optimizer ``name`` as the replay holds them."""
    state = optimizer.state[theta]
    rows = [theta.detach()] + [state[slot] for slot in TORCH_SLOTS[name]]
    scalars = np.ones(N_SCALAR_STATE)
    for i, scalar in enumerate(TORCH_SCALARS.get(name, ())):
        scalars[i] = float(state[scalar])
    return np.array([row.numpy() for row in rows]), scalars


def taken_entries(ours: np.ndarray, theirs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """((row, index) of every entry where ``ours`` differs from ``theirs`` by more than TAKEN_ABOVE, theirs there)."""
    where = np.argwhere(np.abs(ours.astype(np.float64) - theirs) > TAKEN_ABOVE * np.abs(theirs.astype(np.float64)))
    assert ours.shape[1] < 2**16, "indices are stored as uint16"
    return where.astype(np.uint16), theirs[tuple(where.T)]


def trajectory(config: train_config.TrainConfig, index: int, theta0: np.ndarray, x: np.ndarray, y: torch.Tensor,
               orders: np.ndarray, dtype: torch.dtype, resync_steps: tuple[int, ...] = (),
               ours: SteppedRun | None = None) -> tuple[np.ndarray, np.ndarray, list]:
    """(losses (STEPS,), every weight after each of STORED_STEPS, what ``ours`` takes from torch after each of
    ``resync_steps``: (entries, values, scalars)) of run ``index`` in torch, in ``dtype``; ``ours``, our float32
    run of it, steps beside torch's and takes those values."""
    run = config.runs[index]
    assert len(TORCH_SLOTS[run.optimizer]) == len(run.spec.state_slots), run.optimizer
    with default_dtype(dtype):
        theta = torch.tensor(theta0, dtype=dtype, requires_grad=True)
        images = torch.tensor(x, dtype=dtype)
        optimizer = make_optimizer(run.optimizer, theta, run.values)
        losses, stored, states = [], [], []
        batches = [order[b:b + config.batch_size] for order in orders
                   for b in range(0, order.size, config.batch_size)]
        for step, rows in enumerate(batches[:STEPS], start=1):
            optimizer.zero_grad()
            loss = F.cross_entropy(LOGITS[config.model](theta, config.hidden, images[rows]), y[rows])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if step in STORED_STEPS:
                stored.append(theta.detach().numpy().copy())
            if ours is not None:
                ours.advance(1)
            if step in resync_steps:
                rows, scalars = full_state(optimizer, run.optimizer, theta)
                entries, values = taken_entries(ours.rows(), rows)
                ours.take(entries, values, scalars)
                states.append((entries, values, scalars))
    return np.array(losses), np.array(stored), states


def write_golden(mnist: data.Mnist, model_name: str) -> Path:
    config = golden_config(model_name)
    rows = train.training_rows(config, len(mnist.train_labels))
    theta0 = train.initial_weights(config)  # float32, exactly representable in float64
    orders = train.seeded_orders(config, rows.size)
    x = ((mnist.train_images[rows] / PIXEL_MAX - MNIST_MEAN) / MNIST_STD)[:, None]
    y = torch.tensor(mnist.train_labels[rows].astype(np.int64))
    watched = watched_coordinates(model_name, config.hidden)
    recorded = {}
    resynced = RESYNCED.get(model_name, {})
    prepared = train.prepare(mnist, np.float32) if resynced else None
    for dtype, suffix in ((torch.float64, ""), (torch.float32, "_float32")):
        runs = []
        for i, run in enumerate(config.runs):
            steps = resynced.get(run.optimizer, ()) if dtype == torch.float32 else ()
            ours = SteppedRun(config, i, prepared, theta0, orders) if steps else None
            runs.append(trajectory(config, i, theta0, x, y, orders, dtype, steps, ours))
        recorded[f"losses{suffix}"] = np.array([losses for losses, _, _ in runs])
        recorded[f"weights{suffix}"] = np.array([weights[:, watched] for _, weights, _ in runs])
        for run, (_, _, taken) in zip(config.runs, runs):
            if taken:
                recorded[f"resync_{run.optimizer}_entries"] = np.concatenate(
                    [np.column_stack([np.full(len(entries), point, np.uint16), entries])
                     for point, (entries, _, _) in enumerate(taken)])
                recorded[f"resync_{run.optimizer}_values"] = np.concatenate([values for _, values, _ in taken])
                recorded[f"resync_scalars_{run.optimizer}"] = np.array([scalars for _, _, scalars in taken])
                print(f"{model_name} {run.optimizer}: {len(recorded[f'resync_{run.optimizer}_values'])} entries "
                      f"taken from torch at steps {list(resynced[run.optimizer])}")
    path = GOLDEN_DIR / f"mnist_{model_name}.npz"
    np.savez_compressed(
        path, initial_weights=theta0, train_rows=rows.astype(np.int32), batch_orders=orders.astype(np.int32),
        coordinates=watched.astype(np.int32), stored_steps=np.array(STORED_STEPS), **recorded,
        resync_steps=json.dumps({name: list(steps) for name, steps in resynced.items()}),
        runs=json.dumps([{"optimizer": run.optimizer, "hyperparameters": run.values} for run in config.runs]),
        config=json.dumps({"model": model_name, **CONFIG}), provenance=json.dumps({"torch": torch.__version__}))
    return path


def main() -> None:
    mnist = data.load()
    for model_name in LOGITS:
        print(f"wrote {write_golden(mnist, model_name)}")


if __name__ == "__main__":
    main()
