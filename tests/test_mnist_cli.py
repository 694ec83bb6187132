"""``cli.py mnist``: JSON with accuracy, loss and time per optimizer, schedule flags, and flag errors refused in
one line before any data is read."""
from __future__ import annotations

import json

import pytest

import cli
from mnist import data, train_config
from tests.mnist_files import MNIST_DIR, needs_mnist


@needs_mnist
def test_cli_json_holds_accuracy_loss_and_time_per_optimizer(monkeypatch, capsys):
    monkeypatch.setenv(data.ENV_DIR, str(MNIST_DIR))
    code = cli.main(["mnist", "--optimizers", "adam,gd", "--lr=gd:0.05", "--epochs", "2", "--train-subset", "640",
                     "--format", "json", "--landscape", "--resolution", "5", "--landscape-samples", "200"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(out["optimizers"]) == {"adam", "gd"}
    gd = out["optimizers"]["gd"]
    assert gd["hyperparameters"]["lr"] == 0.05 and out["optimizers"]["adam"]["hyperparameters"]["lr"] == 1e-3
    assert gd["schedule"] == "constant" and gd["schedule_params"] == {}
    assert len(gd["test_accuracy"]) == 2 and len(gd["seconds_per_epoch"]) == 2 and len(gd["train_loss"]) == 20
    landscape_json = out["landscape"]
    assert len(landscape_json["loss"]) == 5 and 0 <= landscape_json["explained_variance"] <= 1
    assert len(landscape_json["paths"]["adam"]) == 1 + 2 * train_config.DEFAULT_SNAPSHOTS_PER_EPOCH


@needs_mnist
def test_cli_schedule_flags(monkeypatch, capsys):
    monkeypatch.setenv(data.ENV_DIR, str(MNIST_DIR))
    code = cli.main(["mnist", "--optimizers", "adam,gd", "--epochs", "1", "--train-subset", "320", "--format",
                     "json", "--schedule", "step", "--schedule-params", "step_size=2, gamma=0.25"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    for name in ("adam", "gd"):
        assert out["optimizers"][name]["schedule"] == "step"
        assert out["optimizers"][name]["schedule_params"] == {"step_size": 2.0, "gamma": 0.25}
    assert cli.main(["mnist", "--optimizers", "gd", "--epochs", "1", "--train-subset", "320", "--schedule",
                     "cosine"]) == 0
    assert "gd (lr=0.1, cosine schedule)" in capsys.readouterr().out


@pytest.mark.parametrize("flags, message", [
    (["--schedule", "linear"], "unknown schedule 'linear'; valid: constant, cosine,"),
    (["--schedule-params", "T_max"], "--schedule-params items must be KEY=V, got 'T_max'"),
    (["--schedule", "cosine", "--schedule-params", "T_max=0"], "T_max must be in [1, 1e+06], got 0"),
    (["--schedule", "step", "--schedule-params", "gama=0.5"], "schedule step has no parameter 'gama'"),
    (["--schedule", "exponential", "--schedule-params", "gamma=1.5"], "gamma must be in (0, 1], got 1.5"),
])
def test_cli_schedule_errors_are_one_line_before_any_data_is_read(monkeypatch, capsys, tmp_path, flags, message):
    monkeypatch.setenv(data.ENV_DIR, str(tmp_path))  # no data here: the flags must be refused first
    assert cli.main(["mnist", "--optimizers", "adam", *flags]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
