"""``cli.py sweep``: the stability map headless — outcomes on a learning-rate × momentum (or β1) grid."""
from __future__ import annotations

import argparse
import csv
import sys

import numpy as np

from commands.common import (add_single_run_flags, percent_progress, print_json, settings_from_args,
                             table_format)
from commands.trajectory import settings_json
from simulation.settings import CONVERGED_GAP
from simulation.sweep import MAX_CELLS, quadratic_theory, sweep, sweep_axes
from validation import ValidationError, parse_float, parse_int

CSV_HEADER = ("lr", "second", "final_loss", "steps_to_tolerance", "diverged_at")
MAX_AXIS_CELLS = 500
# Cells × steps of one sweep: 500×500 cells of 200 steps, or 100×100 of 5000; from seconds up to about half a
# minute for a user's formula (the slowest surfaces), never hours.
MAX_CELL_STEPS = 50_000_000
PROGRESS_DELAY_S = 0.5


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sweep", help="stability map: outcomes on a learning-rate × momentum (or beta1) grid",
        description="Run one optimizer for every (lr, momentum or beta1) cell of a grid, in one batched call.")
    add_single_run_flags(parser, "an optimizer with momentum or beta1")
    parser.add_argument("--axis", help="second axis: momentum or beta1 (default: the optimizer's own)")
    parser.add_argument("--lr-range", default="1e-4:1", metavar="LOW:HIGH", help="log-spaced lr range")
    parser.add_argument("--axis-range", default="0:0.99", metavar="LOW:HIGH", help="linear second-axis range")
    parser.add_argument("--grid", default="100x100", metavar="NLRxNAXIS", help="cells per axis (default 100x100)")
    parser.add_argument("--tolerance", default=str(CONVERGED_GAP),
                        help="converged when the loss is within this of the minimum")
    parser.set_defaults(handler=run)


def _pair(flag: str, text: str, parse) -> tuple:
    low, sep, high = text.partition(":") if ":" in text else text.partition("x")
    if not sep:
        raise ValidationError(f"--{flag} must be two values, got {text[:40]!r}")
    return parse(f"--{flag} first value", low), parse(f"--{flag} second value", high)


def _or_none(step: int) -> int | None:
    """A step, or None (JSON null, as in ``trajectory``'s output) where the CSV's -1 says "never"."""
    return None if step < 0 else step


def run(args: argparse.Namespace) -> int:
    fmt = table_format(args)
    settings = settings_from_args(args, [args.optimizer])
    axes = sweep_axes(args.optimizer)
    axis = args.axis or (axes[0] if axes else "momentum")
    for swept, by in (("lr", "--lr-range"), (axis, "--axis-range")):
        if getattr(args, f"hp_{swept}", None) is not None:
            raise ValidationError(f"--{swept} is what the sweep varies (set its range with {by}); leave it out")
    n_lr, n_axis = _pair("grid", args.grid, lambda name, v: parse_int(name, v, 1, MAX_AXIS_CELLS))
    lr_low, lr_high = _pair("lr-range", args.lr_range, parse_float)
    if not 0 < lr_low <= lr_high:
        raise ValidationError("--lr-range must satisfy 0 < LOW <= HIGH")
    axis_low, axis_high = _pair("axis-range", args.axis_range, parse_float)
    if not axis_low <= axis_high:
        raise ValidationError("--axis-range must satisfy LOW <= HIGH")
    tolerance = parse_float("tolerance", args.tolerance)
    if not tolerance > 0:
        raise ValidationError(f"--tolerance must be above 0, got {tolerance:g}")
    if n_lr * n_axis > MAX_CELLS:
        raise ValidationError(f"--grid has at most {MAX_CELLS} cells")
    if n_lr * n_axis * settings.steps > MAX_CELL_STEPS:
        raise ValidationError(f"--grid cells × --steps is at most {MAX_CELL_STEPS:,}, got "
                              f"{n_lr * n_axis * settings.steps:,}: use fewer cells or steps")
    # shown only for work that takes a while: a refusal of the ranges stays a single line
    with percent_progress("sweeping", leave=False, delay=PROGRESS_DELAY_S) as advance:
        result = sweep(settings, np.geomspace(lr_low, lr_high, n_lr), axis,
                       np.linspace(axis_low, axis_high, n_axis), tolerance, advance)
    cells = [(float(lr), float(second), float(result.final_loss[i, j]), int(result.steps_to_tolerance[i, j]),
              int(result.diverged_at[i, j]))
             for i, second in enumerate(result.seconds) for j, lr in enumerate(result.lrs)]
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(tuple(axis if h == "second" else h for h in CSV_HEADER))
        writer.writerows((repr(lr), repr(s), repr(f), reached, diverged) for lr, s, f, reached, diverged in cells)
        return 0
    theory = quadratic_theory(settings)
    print_json({"settings": settings_json(settings), "axis": axis, "start_loss": result.start_loss,
                "theory": None if theory is None else {
                    "lambda_min": theory.lam_min, "lambda_max": theory.lam_max, "gd_max_lr": theory.gd_max_lr,
                    "optimal_lr": theory.optimal_lr, "optimal_beta": theory.optimal_beta},
                "cells": [dict(zip(("lr", axis, "final_loss", "steps_to_tolerance", "diverged_at"),
                                   (lr, s, f, _or_none(reached), _or_none(diverged))))
                          for lr, s, f, reached, diverged in cells]})
    return 0
