"""``cli.py list`` and ``cli.py trajectory`` as a user runs them: output formats, errors, divergence."""
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simulation import engine
from optimizers.registry import OPTIMIZERS
from simulation.settings import make_settings
from cli_inprocess import run_cli

ROOT = Path(__file__).resolve().parents[1]
EXIT_USAGE = 2


cli = run_cli


def test_csv_has_the_exact_header_n_plus_one_rows_and_round_trips():
    done = cli("trajectory", "--surface", "rosenbrock", "--optimizer", "adam", "--steps", "25",
               "--lr=0.01", "--start=-1.2,1")
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows[0] == ["step", "x", "y", "loss"]
    assert len(rows) == 27 and [int(r[0]) for r in rows[1:]] == list(range(26))
    expected = engine.run(make_settings("rosenbrock", [("adam", {"lr": 0.01})], steps=25, start="-1.2,1"))
    np.testing.assert_array_equal(np.array([[float(v) for v in r[1:3]] for r in rows[1:]]),
                                  expected.positions[0])  # repr() output parses back bit-exactly
    np.testing.assert_array_equal([float(r[3]) for r in rows[1:]], expected.losses[0])
    assert done.stderr == ""


def test_json_has_rows_settings_and_diverged_at():
    done = cli("trajectory", "--surface", "ravine", "--optimizer", "rmsprop", "--steps", "4", "--rho=0.9",
               "--momentum=0.5", "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["diverged_at"] is None and len(data["rows"]) == 5
    assert set(data["rows"][0]) == {"step", "x", "y", "loss"}
    hyper = data["settings"]["optimizers"][0]["hyperparameters"]
    assert hyper["rho"] == 0.9 and hyper["momentum"] == 0.5 and hyper["lr"] == 0.01
    assert data["settings"]["surface"] == "ravine" and data["settings"]["steps"] == 4


def test_a_diverging_run_prints_the_finite_rows_and_says_where():
    done = cli("trajectory", "--surface", "rosenbrock", "--optimizer", "gd", "--lr=10", "--steps", "100")
    assert done.returncode == 0
    step = int(done.stderr.strip().rsplit(" ", 1)[1])
    assert done.stderr.strip() == f"diverged at step {step}"
    rows = list(csv.reader(io.StringIO(done.stdout)))[1:]
    assert len(rows) == step and all(np.isfinite(float(v)) for r in rows for v in r)


def test_noise_and_seed_are_reproducible():
    args = ("trajectory", "--surface", "bowl", "--optimizer", "gd", "--lr=0.1", "--noise=0.3", "--steps", "5")
    assert cli(*args, "--seed=1").stdout == cli(*args, "--seed=1").stdout != cli(*args, "--seed=2").stdout


@pytest.mark.parametrize("args, mentions", [
    (["--optimizer", "adam", "--lr=abc"], "lr must be a number"),
    (["--optimizer", "adam", "--lr=nan"], "lr must be a finite number"),
    (["--optimizer", "adam", "--lr=inf"], "lr must be a finite number"),
    (["--optimizer", "adam", "--lr=-1e-3"], "lr must be in (0, 1000]"),
    (["--optimizer", "adam", "--lr=0"], "lr must be in (0, 1000]"),
    (["--optimizer", "adam", "--beta1=1"], "beta1 must be in [0, 1)"),
    (["--optimizer", "adam", "--beta2=-0.1"], "beta2 must be in [0, 1)"),
    (["--optimizer", "momentum", "--momentum=1"], "momentum must be in [0, 1)"),
    (["--optimizer", "adadelta", "--rho=1.5"], "rho must be in [0, 1]"),
    (["--optimizer", "adam", "--eps=0"], "eps must be in (0, 1e+06]"),
    (["--optimizer", "adam", "--weight-decay=-1"], "weight_decay must be in [0, 1000]"),
    (["--optimizer", "adam", "--steps", "0"], "steps must be an integer in [1, 100000]"),
    (["--optimizer", "adam", "--steps", "2.5"], "steps must be an integer"),
    (["--optimizer", "adam", "--steps", "100001"], "steps must be an integer in [1, 100000]"),
    (["--optimizer", "adam", "--start=1"], "start must be two numbers"),
    (["--optimizer", "adam", "--start=1,inf"], "start y must be a finite number"),
    (["--optimizer", "adam", "--start=a,b"], "start x must be a number"),
    (["--optimizer", "adam", "--noise=-1"], "noise must be in [0, 1000]"),
    (["--optimizer", "adam", "--seed=-3"], "seed must be an integer"),
    (["--optimizer", "adam", "--format", "xml"], "unknown format 'xml'; valid: csv, json"),
    (["--optimizer", "adamm"], "unknown optimizer 'adamm'; valid: adadelta, adagrad, adam"),
    (["--optimizer", "__import__('os').system('true')"], "unknown optimizer"),
    (["--optimizer", "adam", "--momentum=0.5"], "--momentum does not apply to adam"),
    (["--optimizer", "adam", "--bogus=1"], "unrecognized arguments"),
])
def test_bad_input_is_one_line_and_exit_2(args, mentions):
    done = cli("trajectory", "--surface", "bowl", *args)
    assert done.returncode == EXIT_USAGE
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert mentions in done.stderr


@pytest.mark.parametrize("surface", ["../../etc/passwd", "/etc/passwd", "bowl; rm -rf /", "ROSENBROCK"])
def test_surface_names_are_looked_up_never_used_as_paths(surface):
    done = cli("trajectory", "--surface", surface, "--optimizer", "adam")
    assert done.returncode == EXIT_USAGE
    assert "unknown surface" in done.stderr and "valid: ackley" in done.stderr


def test_list_shows_every_name_with_defaults_and_ranges():
    done = cli("list")
    assert done.returncode == 0
    for name in OPTIMIZERS:
        assert f"  {name} " in done.stdout
    assert "rosenbrock" in done.stdout and "lr=0.001 in (0, 1000]" in done.stdout
    assert "beta2=0.999 in [0, 1)" in done.stdout


def test_missing_command_is_a_usage_error():
    done = cli()
    assert done.returncode == EXIT_USAGE and done.stderr.count("\n") == 1


def test_a_start_with_a_negative_x_works_with_or_without_equals():
    spaced = cli("trajectory", "--surface", "bowl", "--optimizer", "gd", "--start", "-1,2", "--steps", "1")
    joined = cli("trajectory", "--surface", "bowl", "--optimizer", "gd", "--start=-1,2", "--steps", "1")
    assert spaced.returncode == 0 and spaced.stdout == joined.stdout
    assert spaced.stdout.splitlines()[1] == "0,-1.0,2.0,5.0"


def test_a_schedule_from_the_command_line():
    done = cli("trajectory", "--surface", "bowl", "--optimizer", "gd", "--lr=0.1", "--schedule", "step",
               "--schedule-params", "step_size=2,gamma=0.5", "--steps", "4", "--start=1,1", "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["settings"]["optimizers"][0]["schedule"] == "step"
    assert [row["x"] for row in data["rows"]] == pytest.approx([1.0, 0.8, 0.64, 0.576, 0.5184], rel=1e-15)
    bad = cli("trajectory", "--surface", "bowl", "--optimizer", "gd", "--schedule", "cosine",
              "--schedule-params", "T_max=0")
    assert bad.returncode == EXIT_USAGE and "T_max must be in [1, 1e+06]" in bad.stderr


def test_a_reader_that_stops_early_ends_the_output_quietly():
    done = subprocess.run(f"{sys.executable} cli.py trajectory --surface bowl --optimizer gd --steps 100000 | head -2",
                          shell=True, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.stdout.splitlines() == ["step,x,y,loss", "0,-1.5,1.2,3.69"]
    assert "Traceback" not in done.stderr and done.stderr == ""


def test_an_output_that_cannot_be_written_is_one_line():
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "cli.py", "trajectory", "--surface", "bowl", "--optimizer", "gd"],
                              cwd=ROOT, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "No space left on device" in done.stderr


def test_a_range_that_starts_below_zero_works_without_equals():
    done = cli("sweep", "--surface", "bowl", "--optimizer", "momentum", "--steps", "5", "--grid", "2x2",
               "--axis-range", "-0.5:0.5", "--format", "json")
    assert done.returncode == EXIT_USAGE  # the range is read, and then refused for what it says:
    assert done.stderr == "cli.py sweep: error: momentum must be in [0, 1), got -0.5\n"


def test_an_endpoints_plane_with_one_optimizer_is_refused_before_any_data_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("DESCENT_MNIST_DIR", str(tmp_path))  # an empty folder: no data
    done = cli("mnist", "--optimizers", "adam", "--landscape", "--plane", "endpoints")
    assert done.returncode == EXIT_USAGE
    assert done.stderr == "cli.py mnist: error: the endpoints plane needs two different optimizers\n"


@pytest.mark.parametrize("args, says", [
    (["--optimizer", "adam", "--lr", "5"], "--lr is what the sweep varies (set its range with --lr-range)"),
    (["--optimizer", "adam", "--beta1", "0.1"], "--beta1 is what the sweep varies (set its range with --axis-range)"),
    (["--optimizer", "momentum", "--tolerance", "-1"], "--tolerance must be above 0, got -1"),
    (["--optimizer", "momentum", "--axis-range", "0.9:0.1"], "--axis-range must satisfy LOW <= HIGH"),
])
def test_a_sweep_refuses_flags_it_would_otherwise_ignore_or_misread(args, says):
    done = cli("sweep", "--surface", "ravine", "--steps", "20", "--grid", "2x2", *args)
    assert done.returncode == EXIT_USAGE and done.stdout == ""
    assert done.stderr.startswith(f"cli.py sweep: error: {says}") and done.stderr.count("\n") == 1
