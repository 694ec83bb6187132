"""Argument handling shared by the CLI subcommands: hyperparameter flags, surface flags, safe output files.

Hyperparameter flags take either one value for every optimizer (``--lr=0.01``) or per-optimizer values
(``--lr=adam:0.01,momentum:0.002``). Every value is validated by the registries; errors are
:class:`~validation.ValidationError` lines that ``cli.py`` prints before exiting with status 2.
"""
from __future__ import annotations

import argparse
import contextlib
import errno
import json
import math
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterator

from tqdm import tqdm

from optimizers.registry import OPTIMIZERS, get_optimizer
from optimizers.schedules import SCHEDULES
from simulation.settings import Settings, make_run, make_settings
from validation import ValidationError, lookup

TABLE_FORMATS = ("csv", "json")
DEFAULT_SCHEDULE = "constant"
# CLI flag → registry hyperparameter name: every hyperparameter any optimizer has, "_" written "-".
HYPERPARAM_FLAGS = {hp.name.replace("_", "-"): hp.name
                    for optimizer in OPTIMIZERS.values() for hp in optimizer.hyperparameters}


TORCH_DEFAULT = "the optimizer's torch default"
PERCENT = 100  # progress bars count percent: long work (sweeps, encodings) has no natural unit


def add_hyperparameter_flags(parser: argparse.ArgumentParser, per_optimizer: bool,
                             lr_default: str = TORCH_DEFAULT) -> None:
    """Add --lr, --momentum, … as strings, validated later so errors name the parameter and range."""
    form = "V or NAME:V,NAME:V (per optimizer)" if per_optimizer else "V"
    for flag, name in HYPERPARAM_FLAGS.items():
        aliases = [f"--{flag}"] + ([f"--{name}"] if name != flag else [])  # --weight_decay works too
        default = lr_default if name == "lr" else TORCH_DEFAULT
        parser.add_argument(*aliases, dest=f"hp_{name}", metavar="V", help=f"{name} ({form}); default: {default}")


def add_surface_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--surface", required=True, help="surface name (see `cli.py list`)")
    parser.add_argument("--steps", default="200", help="number of updates, 1…100000 (default 200)")
    parser.add_argument("--start", metavar="X,Y", help="start point (default: the surface's own)")
    parser.add_argument("--noise", default="0", help="gradient noise σ ≥ 0: adds N(0, σ²I) to each gradient")
    parser.add_argument("--seed", default="0", help="seed of the gradient noise (default 0)")
    parser.add_argument("--surface-params", default="", metavar="K=V,K=V",
                        help="the surface's own parameters, e.g. condition=100 for quadratic (see `cli.py list`)")
    add_schedule_flags(parser)


def add_schedule_flags(parser: argparse.ArgumentParser, example: str = "T_max=300,eta_min=0") -> None:
    """--schedule and --schedule-params: learning-rate schedules for every optimizer or per optimizer."""
    parser.add_argument("--schedule", default=DEFAULT_SCHEDULE, metavar="NAME or OPT:NAME,OPT:NAME",
                        help=f"learning-rate schedule, for every optimizer or per optimizer: {', '.join(SCHEDULES)} "
                             f"(default {DEFAULT_SCHEDULE})")
    parser.add_argument("--schedule-params", default="", metavar="K=V,OPT:K=V",
                        help=f"schedule parameters in optimizer steps, e.g. {example}; prefix OPT: for one "
                             "optimizer only (see `cli.py list`)")




def add_single_run_flags(parser: argparse.ArgumentParser, optimizer_help: str) -> None:
    """Surface flags, one --optimizer with its hyperparameters, and --format csv|json."""
    add_surface_flags(parser)
    parser.add_argument("--optimizer", required=True, help=optimizer_help)
    add_hyperparameter_flags(parser, per_optimizer=False)
    parser.add_argument("--format", default=TABLE_FORMATS[0], help="csv (default) or json")


def table_format(args: argparse.Namespace) -> str:
    return lookup("format", args.format, {f: f for f in TABLE_FORMATS})


def parse_optimizer_list(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise ValidationError("optimizers must be a comma-separated list of names")
    for name in names:
        get_optimizer(name)
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:  # per-optimizer flags (--lr=gd:0.1) could not tell the copies apart
        raise ValidationError(f"optimizers lists {', '.join(repeated)} more than once")
    return names


def _per_optimizer_values(flag: str, text: str, optimizers: list[str]) -> dict[str, str]:
    """``adam:0.01,gd:0.1`` → {"adam": "0.01", "gd": "0.1"}; a bare value applies to every optimizer."""
    if ":" not in text:
        return {name: text for name in optimizers}
    values = {}
    for item in text.split(","):
        name, sep, value = item.partition(":")
        name = name.strip()
        if not sep or name not in OPTIMIZERS:
            raise ValidationError(f"--{flag} items must be NAME:V with NAME one of the chosen optimizers, "
                                  f"got {item.strip()[:40]!r}")
        if name not in optimizers:
            raise ValidationError(f"--{flag} names {name}, which is not among the chosen optimizers")
        if name in values:
            raise ValidationError(f"--{flag} gives {name} two values; give it one")
        values[name] = value
    return values


def hyperparams_from_args(args: argparse.Namespace, optimizers: list[str]) -> list[tuple[str, dict]]:
    """Per optimizer, the hyperparameters given on the command line (validated when settings are made).

    A flag that none of the chosen optimizers has is an error rather than silently ignored.
    """
    chosen: list[tuple[str, dict]] = [(name, {}) for name in optimizers]
    for flag, name in HYPERPARAM_FLAGS.items():
        text = getattr(args, f"hp_{name}", None)
        if text is None:
            continue
        values = _per_optimizer_values(flag, text, optimizers)
        takers = [opt for opt in values if name in get_optimizer(opt).defaults]
        if not takers:
            raise ValidationError(f"--{flag} does not apply to {', '.join(sorted(values))}")
        for opt, hp in chosen:
            if opt in takers:
                hp[name] = values[opt]
    return chosen


def parse_key_values(flag: str, text: str) -> dict[str, str]:
    """``"a=1,b=2"`` → {"a": "1", "b": "2"} (values are validated by the registry that uses them)."""
    pairs = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValidationError(f"--{flag} items must be KEY=V, got {item[:40]!r}")
        pairs[key.strip()] = value
    return pairs


def schedules_from_args(args: argparse.Namespace, optimizers: list[str]) -> dict[str, tuple[str, dict]]:
    """Per optimizer, its schedule name and parameters (validated when the runs are made).

    ``--schedule cosine`` applies to every optimizer, ``--schedule adam:cosine,gd:step`` to each its own; a
    ``--schedule-params`` item ``K=V`` applies to every optimizer, ``NAME:K=V`` to that optimizer only.
    """
    names = _per_optimizer_values("schedule", args.schedule, optimizers)
    plans = {name: (names.get(name, DEFAULT_SCHEDULE), {}) for name in optimizers}
    for item in filter(None, (part.strip() for part in args.schedule_params.split(","))):
        target, sep, pair = item.partition(":") if ":" in item.split("=", 1)[0] else ("", "", item)
        if sep and target not in plans:
            raise ValidationError(f"--schedule-params names {target[:40]!r}, which is not among the chosen "
                                  "optimizers")
        for name in ([target] if sep else optimizers):
            plans[name][1].update(parse_key_values("schedule-params", pair))
    return plans


def settings_from_args(args: argparse.Namespace, optimizers: list[str]) -> Settings:
    plans = schedules_from_args(args, optimizers)
    runs = [make_run(name, hp, *plans[name]) for name, hp in hyperparams_from_args(args, optimizers)]
    return make_settings(args.surface, runs, steps=args.steps, start=args.start, noise=args.noise,
                         seed=args.seed, surface_params=parse_key_values("surface-params", args.surface_params))


def json_safe(document: object) -> object:
    """``document`` with every NaN or infinity replaced by None: JSON has no such numbers (``json.dump`` would
    write ``Infinity``, which JSON readers reject), and null is what "no finite value" reads as."""
    if isinstance(document, float):
        return document if math.isfinite(document) else None
    if isinstance(document, dict):
        return {key: json_safe(value) for key, value in document.items()}
    if isinstance(document, (list, tuple)):
        return [json_safe(value) for value in document]
    return document


def print_json(document: object) -> None:
    """One line of strictly valid JSON on stdout (non-finite numbers as null, see :func:`json_safe`)."""
    json.dump(json_safe(document), sys.stdout, allow_nan=False)
    sys.stdout.write("\n")


@contextlib.contextmanager
def percent_progress(description: str, leave: bool = True, delay: float = 0.0
                     ) -> Iterator[Callable[[float], None]]:
    """A progress bar on stderr, shown after ``delay`` seconds; yields ``advance(fraction done)`` for the work
    to call as it goes."""
    with tqdm(total=PERCENT, desc=description, unit="%", file=sys.stderr, leave=leave, delay=delay,
              bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}") as bar:
        def advance(fraction: float) -> None:
            bar.update(round(fraction * PERCENT) - bar.n)

        yield advance


def check_output_path(path: str, force: bool, suffixes: tuple[str, ...]) -> Path:
    """Refuse an existing file (unless ``force``), a missing or unwritable folder, or a wrong suffix."""
    out = Path(path)
    if out.suffix.lower() not in suffixes:
        raise ValidationError(f"--out must end in {' or '.join(suffixes)}, got {path[:60]!r}")
    if out.exists() and not force:
        raise ValidationError(f"{path} exists; pass --force to overwrite it")
    if out.is_dir():
        raise ValidationError(f"{path} is a directory")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise ValidationError(f"cannot write to {folder}/: it does not exist or is not writable")
    return out


DEFAULT_FILE_MODE = 0o666  # what open() would give a new file, before the umask
NO_HARD_LINKS = (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK)  # e.g. FAT, some network mounts


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _published_mode(path: Path, force: bool) -> int:
    """The permissions the written file gets: those of the file it replaces, else a new file's."""
    if force:
        try:
            return stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            pass
    return DEFAULT_FILE_MODE & ~_current_umask()  # mkstemp's 0600 would hide a lecture file


def _exists_error(path: Path) -> ValidationError:
    return ValidationError(f"{path} exists; pass --force to overwrite it")


def _publish_new(tmp: Path, path: Path, data: bytes, mode: int) -> None:
    """Make the complete file appear at ``path`` only if nothing is there: a hard link fails rather than
    replace a file that appeared while the export was rendering (a rename would silently clobber it)."""
    try:
        os.link(tmp, path)
        return
    except FileExistsError:
        raise _exists_error(path) from None
    except OSError as error:
        if error.errno not in NO_HARD_LINKS:
            raise
    try:  # no hard links here: create exclusively and write (a reader may briefly see a partial file)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise _exists_error(path) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes, force: bool = False) -> None:
    """Write ``data`` to a temp file beside ``path``, then publish it whole, so no half-written file remains.

    Without ``force`` an existing ``path`` is never replaced, even one created after the arguments were
    checked; with ``force`` it is replaced by a rename and keeps its permissions.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=f".{path.name}.",
                               suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        mode = _published_mode(path, force)
        os.chmod(tmp, mode)
        if force:
            os.replace(tmp, path)
        else:
            _publish_new(Path(tmp), path, data, mode)
    finally:
        Path(tmp).unlink(missing_ok=True)  # after a link the temp name is left; after a rename it is gone
