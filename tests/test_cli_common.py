"""Shared CLI helpers: atomic writes with normal permissions, output-path checks, per-optimizer flags."""
import argparse
import os
import stat

import pytest

from commands.common import (add_hyperparameter_flags, add_schedule_flags, check_output_path,
                             hyperparams_from_args, parse_key_values, schedules_from_args, write_atomic)
from validation import ValidationError


def test_write_atomic_leaves_one_file_readable_like_any_other(tmp_path):
    target = tmp_path / "lecture.gif"
    write_atomic(target, b"GIF89a")
    assert target.read_bytes() == b"GIF89a" and [p.name for p in tmp_path.iterdir()] == ["lecture.gif"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_output_path_checks(tmp_path):
    existing = tmp_path / "a.gif"
    existing.write_bytes(b"x")
    with pytest.raises(ValidationError, match="exists; pass --force"):
        check_output_path(str(existing), False, (".gif",))
    assert check_output_path(str(existing), True, (".gif",)) == existing
    with pytest.raises(ValidationError, match="must end in .gif or .mp4"):
        check_output_path(str(tmp_path / "a.png"), False, (".gif", ".mp4"))
    with pytest.raises(ValidationError, match="does not exist or is not writable"):
        check_output_path(str(tmp_path / "missing" / "a.gif"), False, (".gif",))


def _args(*argv):
    parser = argparse.ArgumentParser()
    add_hyperparameter_flags(parser, per_optimizer=True)
    return parser.parse_args(list(argv))


def test_per_optimizer_and_shared_hyperparameter_values():
    runs = hyperparams_from_args(_args("--lr=adam:0.01,gd:0.1", "--momentum=0.5"), ["adam", "gd", "momentum"])
    assert runs == [("adam", {"lr": "0.01"}), ("gd", {"lr": "0.1"}), ("momentum", {"momentum": "0.5"})]
    with pytest.raises(ValidationError, match="not among the chosen optimizers"):
        hyperparams_from_args(_args("--lr=rmsprop:0.01"), ["adam"])
    with pytest.raises(ValidationError, match="items must be NAME:V"):
        hyperparams_from_args(_args("--lr=adam:0.01,0.1"), ["adam"])
    assert parse_key_values("x", "a=1, b=2") == {"a": "1", "b": "2"}


def _schedule_args(*argv):
    parser = argparse.ArgumentParser()
    add_schedule_flags(parser)
    return parser.parse_args(list(argv))


def test_schedules_for_every_optimizer_or_each_its_own():
    shared = schedules_from_args(_schedule_args("--schedule", "cosine", "--schedule-params", "T_max=50"),
                                 ["adam", "gd"])
    assert shared == {"adam": ("cosine", {"T_max": "50"}), "gd": ("cosine", {"T_max": "50"})}
    own = schedules_from_args(_schedule_args("--schedule", "adam:cosine,gd:step", "--schedule-params",
                                             "adam:T_max=50,gd:step_size=10,gd:gamma=0.5"), ["adam", "gd", "nag"])
    assert own == {"adam": ("cosine", {"T_max": "50"}), "gd": ("step", {"step_size": "10", "gamma": "0.5"}),
                   "nag": ("constant", {})}
    with pytest.raises(ValidationError, match="not among the chosen optimizers"):
        schedules_from_args(_schedule_args("--schedule-params", "lion:k=1"), ["adam"])
