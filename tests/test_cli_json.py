"""Every JSON the trajectory and sweep commands print is strict JSON: a number with no finite value is null,
never ``NaN`` or ``Infinity`` (which Python writes by default and every other JSON reader rejects)."""
from __future__ import annotations

import json

import pytest

from tests.cli_inprocess import run_cli

OVERFLOWING_START = ["--surface", "expr:exp(x) + y**2", "--start=800,0", "--steps", "3", "--format", "json"]


def _strict(text: str) -> dict:
    def refuse(constant: str):
        raise AssertionError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("command", [["trajectory", "--optimizer", "adam"],
                                     ["sweep", "--optimizer", "momentum", "--grid", "2x2"]])
def test_a_start_where_the_loss_overflows_still_prints_strict_json(command):
    done = run_cli(*command, *OVERFLOWING_START)
    assert done.returncode == 0, done.stderr
    document = _strict(done.stdout)
    if command[0] == "sweep":
        assert document["start_loss"] is None  # exp(800) is beyond float64
        assert all(cell["final_loss"] is None and cell["diverged_at"] == 1 for cell in document["cells"])
    else:
        assert document["diverged_at"] == 0 and document["rows"] == []
