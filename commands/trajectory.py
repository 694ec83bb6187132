"""``cli.py trajectory``: one optimizer on one surface, as CSV or JSON rows on stdout."""
from __future__ import annotations

import argparse
import csv
import sys

from commands.common import add_single_run_flags, print_json, settings_from_args, table_format
from simulation import engine
from optimizers.registry import get_optimizer
from simulation.settings import Settings

CSV_HEADER = ("step", "x", "y", "loss")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "trajectory", help="run one optimizer on one surface and print its path",
        description="Print the optimizer's path: row k is the point after k updates and the loss there.")
    add_single_run_flags(parser, "optimizer name (see `cli.py list`)")
    parser.set_defaults(handler=run)


def rows(result: engine.Result, k: int = 0) -> list[tuple[int, float, float, float]]:
    """The finite rows (step, x, y, loss) of run ``k``."""
    return [(step, float(result.positions[k, step, 0]), float(result.positions[k, step, 1]),
             float(result.losses[k, step])) for step in range(result.n_points(k))]


def settings_json(settings: Settings) -> dict:
    return {
        "surface": settings.surface,
        "surface_params": dict(settings.surface_params),
        "optimizers": [{"name": r.optimizer, "hyperparameters": r.values, "schedule": r.schedule,
                        "schedule_params": dict(r.schedule_params)} for r in settings.runs],
        "steps": settings.steps,
        "start": list(settings.start),
        "noise": settings.noise,
        "seed": settings.seed,
    }


def run(args: argparse.Namespace) -> int:
    fmt = table_format(args)
    get_optimizer(args.optimizer)
    settings = settings_from_args(args, [args.optimizer])
    result = engine.run(settings)
    table = rows(result)
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        # repr() is the shortest string that reads back as the same float: the CSV round-trips exactly
        writer.writerows((step, repr(x), repr(y), repr(f)) for step, x, y, f in table)
    else:
        print_json({"settings": settings_json(settings), "diverged_at": result.diverged_at[0],
                    "rows": [dict(zip(CSV_HEADER, row)) for row in table]})
    if result.diverged_at[0] is not None:
        print(f"diverged at step {result.diverged_at[0]}", file=sys.stderr)
    return 0
