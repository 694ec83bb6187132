"""``cli.py mnist``: train an MNIST network with several optimizers and print test accuracy per epoch.

    python cli.py mnist --optimizers adam,gd,momentum --epochs 3 --lr=adam:0.001,gd:0.1 --format json
    python cli.py mnist --optimizers adam,gd --schedule cosine --schedule-params T_max=2814
    python cli.py mnist --model cnn --preset keras --seeds 3       (the articles' table, over three seeds)
    python cli.py mnist --preset torch --tune                      (torch's defaults against tuned rates)

Progress goes to stderr (tqdm); the table or JSON to stdout (non-finite numbers, e.g. a diverged run's
accuracy, are JSON null). Missing data (offline, no files) is one line on stderr and exit status 2, like every
other input error.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time

import numpy as np
from tqdm import tqdm

from commands.common import (add_hyperparameter_flags, add_schedule_flags, hyperparams_from_args, parse_optimizer_list,
                             schedules_from_args)
from mnist import compare, data, landscape, landscape_plane, networks, presets, train, train_config
from mnist.train import TrainResult
from optimizers.registry import OPTIMIZERS
from validation import ValidationError, lookup, parse_int

FORMATS = ("table", "json")
DEFAULT_OPTIMIZERS = "adam,gd,momentum,adagrad,rmsprop"
PERCENT = 100.0


def register(subparsers: argparse._SubParsersAction) -> None:
    defaults = ", ".join(f"{name} {spec.mnist_lr:g}" for name, spec in OPTIMIZERS.items())
    parser = subparsers.add_parser(
        "mnist", help="train a small MLP or CNN on MNIST with several optimizers and compare test accuracy",
        description="Every optimizer starts from the same weights and sees the same mini-batches. "
                    f"Default learning rates for this model: {defaults}. Data: {data.ENV_DIR}, else the "
                    "cache folder, else a download (checksums verified).")
    parser.add_argument("--model", default="mlp",
                        help="; ".join(f"{name}: {text}" for name, text in networks.DESCRIPTIONS.items())
                        + " (default mlp)")
    parser.add_argument("--optimizers", default=None,
                        help=f"comma-separated optimizer names (default {DEFAULT_OPTIMIZERS})")
    parser.add_argument("--preset", default=None, metavar="keras|torch",
                        help="the articles' five optimizers at Keras' defaults (keras: SGD 0.01, Adagrad 0.001, "
                             "Adadelta 0.001 rho 0.95, RMSprop 0.001 rho 0.9, eps 1e-7) or at torch's (torch), "
                             f"{presets.KERAS_EPOCHS} epochs, batch {presets.KERAS_BATCH_SIZE} unless given")
    parser.add_argument("--seeds", default="1", help=f"repeat with this many seeds, 1…{compare.MAX_SEEDS}, and "
                                                    "report mean ± sd of the final accuracy (default 1)")
    parser.add_argument("--tune", action="store_true",
                        help="also train each optimizer at learning rates "
                             + ", ".join(f"{lr:g}" for lr in compare.TUNING_GRID)
                             + " and report the one with the lowest training loss")
    add_hyperparameter_flags(parser, per_optimizer=True, lr_default="the per-model default listed above")
    add_schedule_flags(parser, example="T_max=2814,eta_min=0 (an epoch of 60,000 images at batch 64 is 938 steps)")
    parser.add_argument("--epochs", default=None, help="epochs (default 3; 5 with --preset)")
    parser.add_argument("--hidden", default=str(train_config.DEFAULT_HIDDEN), help="hidden units H (default 64)")
    parser.add_argument("--batch-size", default=None,
                        help="1 = SGD, the training-set size = batch GD (default 64; 128 with --preset)")
    parser.add_argument("--seed", default="0", help="initial weights and mini-batch order (default 0)")
    parser.add_argument("--train-subset", default=None, metavar="N",
                        help="train on a seeded random subset of N images (default: all 60,000)")
    parser.add_argument("--landscape", action="store_true",
                        help="also evaluate the loss landscape on a plane and project the paths onto it")
    parser.add_argument("--plane", default="pca", help=f"landscape plane: {', '.join(landscape_plane.PLANES)}")
    parser.add_argument("--resolution", default=str(landscape.DEFAULT_RESOLUTION),
                        help="landscape grid points per axis (default 41)")
    parser.add_argument("--landscape-samples", default=str(landscape.DEFAULT_SAMPLES),
                        help="training images evaluated at each grid point (default 10000)")
    parser.add_argument("--format", default="table", help="table (default) or json")
    parser.set_defaults(handler=run)


def _runs(args: argparse.Namespace) -> list:
    if args.preset is None:
        names = parse_optimizer_list(args.optimizers or DEFAULT_OPTIMIZERS)
        plans = schedules_from_args(args, names)
        return [train_config.mnist_run(name, hp, *plans[name]) for name, hp in hyperparams_from_args(args, names)]
    preset = lookup("preset", args.preset, {name: name for name in presets.PRESETS})
    given = [flag for flag, value in (("--optimizers", args.optimizers), ("--schedule", args.schedule != "constant"))
             if value] + [f"--{name.removeprefix('hp_')}" for name, value in vars(args).items()
                          if name.startswith("hp_") and value is not None]
    if given:
        raise ValidationError(f"--preset sets the optimizers and their hyperparameters; drop {', '.join(given)}")
    return presets.preset_runs(preset)


def _config(args: argparse.Namespace, n_train: int) -> train_config.TrainConfig:
    preset = args.preset is not None
    epochs = args.epochs or (presets.KERAS_EPOCHS if preset else train_config.DEFAULT_EPOCHS)
    batch = args.batch_size or (presets.KERAS_BATCH_SIZE if preset else train_config.DEFAULT_BATCH_SIZE)
    return train_config.make_config(_runs(args), hidden=args.hidden, batch_size=batch, epochs=epochs, seed=args.seed,
                                    train_subset=args.train_subset, n_train=n_train, model_name=args.model)


def _number(value: float) -> float | None:
    """JSON has no NaN or infinity: a number that is not finite (a diverged run) is null."""
    return float(value) if math.isfinite(value) else None


def _results_json(result: TrainResult) -> dict:
    config = result.config
    return {run.optimizer: {"hyperparameters": run.values, "schedule": run.schedule,
                            "schedule_params": dict(run.schedule_params),
                            "test_accuracy": [_number(a) for a in result.test_accuracy[i]],
                            "train_loss": [_number(v) for v in result.train_loss[i]],
                            "seconds_per_epoch": [round(float(s), 4) for s in result.seconds_per_epoch[i]],
                            "diverged_at": result.diverged_at[i]}
            for i, run in enumerate(config.runs)}


def _seeds_json(study: compare.SeedStudy, names: list[str]) -> dict:
    return {"seeds": list(study.seeds),
            "final_accuracy": {name: [_number(a) for a in study.final_accuracy[i]] for i, name in enumerate(names)},
            "mean": {name: _number(study.mean[i]) for i, name in enumerate(names)},
            "sd": {name: _number(study.sd[i]) for i, name in enumerate(names)},
            "notes": study.noise_notes()}


def _tuning_json(tuning: compare.Tuning) -> dict:
    return {name: {"grid": list(tuning.grid), "final_train_loss": [_number(v) for v in tuning.final_loss[i]],
                   "test_accuracy": [_number(a) for a in tuning.accuracy[i]],
                   "best_lr": tuning.grid[tuning.best(i)]}
            for i, name in enumerate(tuning.names)}


def _landscape_json(land: landscape.Landscape, names: list[str], seconds: float) -> dict:
    plane = land.plane
    return {"plane": plane.method, "description": plane.description, "samples": land.n_samples,
            "explained_variance": plane.explained_total,
            "explained_variance_per_optimizer": dict(zip(names, map(float, plane.explained))),
            "xs": land.xs.tolist(), "ys": land.ys.tolist(), "loss": [[_number(v) for v in row] for row in land.zs],
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


def _print_seeds(study: compare.SeedStudy) -> None:
    width = max(len("optimizer"), *map(len, study.labels))
    print(f"\nfinal test accuracy over seeds {', '.join(map(str, study.seeds))} (%): mean ± sd")
    for i in study.ranking():
        article = presets.ARTICLE_ACCURACY.get(study.labels[i].split(" ")[0])
        print(f"{study.labels[i]:<{width}}  {PERCENT * study.mean[i]:>6.2f} ± {PERCENT * study.sd[i]:.2f}"
              + (f"   (the articles' CNN: {article:.2f})" if article is not None else ""))
    for note in study.noise_notes():
        print(note)


def _print_tuning(tuning: compare.Tuning, result: TrainResult) -> None:
    print("\nlearning-rate grid (lowest training loss over the last epoch wins; test accuracy in %):")
    for i, name in enumerate(tuning.names):
        cells = "  ".join(f"{lr:g}: {PERCENT * a:5.2f}" if math.isfinite(a) else f"{lr:g}: diverged"
                          for lr, a in zip(tuning.grid, tuning.accuracy[i]))
        print(f"{name:<9} {cells}   → best lr {tuning.grid[tuning.best(i)]:g}")


def _follows_articles(study: compare.SeedStudy, names: list[str]) -> bool | None:
    """Whether the mean accuracies follow the articles' order (None unless all five of their optimizers ran)."""
    if sorted(names) != sorted(presets.KERAS_HYPERPARAMETERS):
        return None
    return presets.follows_article_order(dict(zip(names, study.mean)))


def run(args: argparse.Namespace) -> int:
    fmt = lookup("format", args.format, {f: f for f in FORMATS})
    # refuse bad flags before loading (or downloading) the data
    lookup("landscape plane", args.plane, landscape_plane.PLANES)
    parse_int("resolution", args.resolution, 2, landscape.MAX_RESOLUTION)
    parse_int("landscape samples", args.landscape_samples, 1, train_config.N_TRAIN_IMAGES)
    n_seeds = parse_int("seeds", args.seeds, 1, compare.MAX_SEEDS)
    names = _config(args, n_train=train_config.N_TRAIN_IMAGES).names
    if args.landscape and args.model != "mlp":
        raise ValidationError("the loss landscape is drawn for the MLP only (--model mlp)")
    if args.landscape and args.plane == "endpoints" and len(set(names)) < 2:
        raise ValidationError("the endpoints plane needs two different optimizers")
    prepared = train.prepare(data.load())
    config = _config(args, n_train=len(prepared.train))
    with tqdm(total=1.0, file=sys.stderr, desc="training", bar_format="{l_bar}{bar}| {postfix}") as bar:
        def report(fraction: float, text: str) -> None:
            bar.n = round(fraction, 4)
            bar.set_postfix_str(text)
        study, results = compare.run_seeds(config, prepared, n_seeds, report)
        tuning = compare.tune(config, prepared, config.names, on_progress=report) if args.tune else None
    result = results[0]
    land = None
    if args.landscape:
        began = time.perf_counter()
        land = landscape.compute(result, prepared.train, args.plane, resolution=args.resolution,
                                 n_samples=args.landscape_samples, seed=config.seed)
        seconds = time.perf_counter() - began
    follows = _follows_articles(study, config.names)
    if fmt == "json":
        out = {"model": config.model, "hidden": config.hidden, "batch_size": config.batch_size,
               "epochs": config.epochs, "seed": config.seed, "train_subset": config.train_subset,
               "preset": args.preset, "optimizers": _results_json(result),
               "seed_study": _seeds_json(study, config.names)}
        if follows is not None:
            out["article_order_reproduced"] = follows
        if tuning is not None:
            out["tuning"] = _tuning_json(tuning)
        if land is not None:
            out["landscape"] = _landscape_json(land, config.names, seconds)
        json.dump(out, sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
    else:
        _print_table(result)
        if n_seeds > 1:
            _print_seeds(study)
        if follows is not None:
            print("articles' order (Adam/RMSprop > SGD > Adagrad > Adadelta): "
                  + ("reproduced" if follows else "not reproduced"))
        if tuning is not None:
            _print_tuning(tuning, result)
        if land is not None:
            _print_landscape(land, config.names, seconds)
    return 0
