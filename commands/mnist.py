"""``cli.py mnist``: train the MNIST MLP with several optimizers and print test accuracy per epoch.

    python cli.py mnist --optimizers adam,gd,momentum --epochs 3 --lr=adam:0.001,gd:0.1 --format json
    python cli.py mnist --optimizers adam,gd --schedule cosine --schedule-params T_max=2814

Progress goes to stderr (tqdm); the table or JSON to stdout. Missing data (offline, no files) is one line on
stderr and exit status 2, like every other input error.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
from tqdm import tqdm

from commands.common import (add_hyperparameter_flags, add_schedule_flags, hyperparams_from_args, parse_optimizer_list,
                             schedules_from_args)
from mnist import data, landscape, train
from mnist.train import TrainResult
from validation import ValidationError, lookup, parse_int

FORMATS = ("table", "json")
DEFAULT_OPTIMIZERS = "adam,gd,momentum,adagrad,rmsprop"
PERCENT = 100.0


def register(subparsers: argparse._SubParsersAction) -> None:
    defaults = ", ".join(f"{name} {lr:g}" for name, lr in train.MNIST_DEFAULT_LR.items())
    parser = subparsers.add_parser(
        "mnist", help="train a small MLP on MNIST with several optimizers and compare test accuracy",
        description="Every optimizer starts from the same weights and sees the same mini-batches. "
                    f"Default learning rates for this model: {defaults}. Data: {data.ENV_DIR}, else the "
                    "cache folder, else a download (checksums verified).")
    parser.add_argument("--optimizers", default=DEFAULT_OPTIMIZERS,
                        help=f"comma-separated optimizer names (default {DEFAULT_OPTIMIZERS})")
    add_hyperparameter_flags(parser, per_optimizer=True, lr_default="the per-model default listed above")
    add_schedule_flags(parser, example="T_max=2814,eta_min=0 (an epoch of 60,000 images at batch 64 is 938 steps)")
    parser.add_argument("--epochs", default=str(train.DEFAULT_EPOCHS), help="epochs (default 3)")
    parser.add_argument("--hidden", default=str(train.DEFAULT_HIDDEN), help="hidden units H (default 64)")
    parser.add_argument("--batch-size", default=str(train.DEFAULT_BATCH_SIZE),
                        help="1 = SGD, the training-set size = batch GD (default 64)")
    parser.add_argument("--seed", default="0", help="initial weights and mini-batch order (default 0)")
    parser.add_argument("--train-subset", default=None, metavar="N",
                        help="train on a seeded random subset of N images (default: all 60,000)")
    parser.add_argument("--landscape", action="store_true",
                        help="also evaluate the loss landscape on a plane and project the paths onto it")
    parser.add_argument("--plane", default="pca", help=f"landscape plane: {', '.join(landscape.PLANES)}")
    parser.add_argument("--resolution", default=str(landscape.DEFAULT_RESOLUTION),
                        help="landscape grid points per axis (default 41)")
    parser.add_argument("--landscape-samples", default=str(landscape.DEFAULT_SAMPLES),
                        help="training images evaluated at each grid point (default 10000)")
    parser.add_argument("--format", default="table", help="table (default) or json")
    parser.set_defaults(handler=run)


def _config(args: argparse.Namespace, n_train: int) -> train.TrainConfig:
    names = parse_optimizer_list(args.optimizers)
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValidationError(f"--optimizers lists {', '.join(repeated)} more than once")
    plans = schedules_from_args(args, names)
    runs = [train.mnist_run(name, hp, *plans[name]) for name, hp in hyperparams_from_args(args, names)]
    return train.make_config(runs, hidden=args.hidden, batch_size=args.batch_size, epochs=args.epochs,
                             seed=args.seed, train_subset=args.train_subset, n_train=n_train)


def _results_json(result: TrainResult) -> dict:
    config = result.config
    return {run.optimizer: {"hyperparameters": run.values, "schedule": run.schedule,
                            "schedule_params": dict(run.schedule_params),
                            "test_accuracy": [float(a) for a in result.test_accuracy[i]],
                            "train_loss": [float(v) for v in result.train_loss[i]],
                            "seconds_per_epoch": [round(float(s), 4) for s in result.seconds_per_epoch[i]],
                            "diverged_at": result.diverged_at[i]}
            for i, run in enumerate(config.runs)}


def _landscape_json(land: landscape.Landscape, names: list[str], seconds: float) -> dict:
    plane = land.plane
    return {"plane": plane.method, "description": plane.description, "samples": land.n_samples,
            "explained_variance": plane.explained_total,
            "explained_variance_per_optimizer": dict(zip(names, map(float, plane.explained))),
            "xs": land.xs.tolist(), "ys": land.ys.tolist(), "loss": land.zs.tolist(),
            "paths": {name: plane.paths[i].tolist() for i, name in enumerate(names)},
            "seconds": round(seconds, 3)}


def _print_table(result: TrainResult) -> None:
    config = result.config
    labels = config.labels()
    width = max(len("optimizer"), *map(len, labels))
    epochs = "".join(f"  epoch {e + 1:<3}" for e in range(config.epochs))
    print(f"{'optimizer':<{width}}{epochs}  s/epoch  (test accuracy, %)")
    for i, label in enumerate(labels):
        accuracies = "".join(f"  {PERCENT * a:>9.2f}" for a in result.test_accuracy[i])
        note = "" if result.diverged_at[i] is None else f"  diverged at step {result.diverged_at[i]}"
        print(f"{label:<{width}}{accuracies}  {result.seconds_per_epoch[i].mean():>7.3f}{note}")


def _print_landscape(land: landscape.Landscape, names: list[str], seconds: float) -> None:
    plane = land.plane
    shares = ", ".join(f"{n} {PERCENT * s:.1f}%" for n, s in zip(names, plane.explained))
    print(f"\nlandscape: {plane.description}; {land.xs.size}x{land.ys.size} grid on {land.n_samples} images "
          f"in {seconds:.2f} s")
    finite = land.zs[np.isfinite(land.zs)]
    if finite.size:
        print(f"loss on the grid: {finite.min():.4f} … {finite.max():.4f}", end="")
    else:
        print("loss on the grid: not finite anywhere", end="")
    overflowed = land.zs.size - finite.size
    print(f" (not finite at {overflowed} of {land.zs.size} points: where the weights are huge, the loss overflows)"
          if overflowed else "")
    print(f"explained variance: {PERCENT * plane.explained_total:.1f}% overall ({shares})")


def run(args: argparse.Namespace) -> int:
    fmt = lookup("format", args.format, {f: f for f in FORMATS})
    # refuse bad flags before loading (or downloading) the data
    lookup("landscape plane", args.plane, landscape.PLANES)
    parse_int("resolution", args.resolution, 2, landscape.MAX_RESOLUTION)
    parse_int("landscape samples", args.landscape_samples, 1, train.N_TRAIN_IMAGES)
    names = _config(args, n_train=train.N_TRAIN_IMAGES).names
    if args.landscape and args.plane == "endpoints" and len(set(names)) < 2:
        raise ValidationError("the endpoints plane needs two different optimizers")
    prepared = train.prepare(data.load())
    config = _config(args, n_train=len(prepared.train))
    steps = train.batches_per_epoch(config.train_subset or len(prepared.train), config.batch_size) * config.epochs
    with tqdm(total=steps, unit="step", file=sys.stderr, desc="training") as bar:
        def report(progress: train.Progress) -> None:
            bar.update(progress.steps_done - bar.n)
        result = train.train(config, prepared, report)
    land = None
    if args.landscape:
        began = time.perf_counter()
        land = landscape.compute(result, prepared.train, args.plane, resolution=args.resolution,
                                 n_samples=args.landscape_samples, seed=config.seed)
        seconds = time.perf_counter() - began
    if fmt == "json":
        out = {"hidden": config.hidden, "batch_size": config.batch_size, "epochs": config.epochs,
               "seed": config.seed, "train_subset": config.train_subset, "optimizers": _results_json(result)}
        if land is not None:
            out["landscape"] = _landscape_json(land, config.names, seconds)
        json.dump(out, sys.stdout)
        sys.stdout.write("\n")
    else:
        _print_table(result)
        if land is not None:
            _print_landscape(land, config.names, seconds)
    return 0
