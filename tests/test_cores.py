"""The cores the process may use: its affinity where the system has one, else every core; and the only place
that asks (``os.sched_getaffinity`` is Linux's alone, so a module calling it would not import elsewhere)."""
from __future__ import annotations

import os
from pathlib import Path

import cores

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("optimizers", "landscapes", "simulation", "mnist", "viz", "ui", "commands", "deploy")


def test_the_affinity_counts_where_there_is_one(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 3, 5}, raising=False)
    assert cores.usable_cores() == 3


def test_without_an_affinity_every_core_counts(monkeypatch):
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    assert cores.usable_cores() == 6
    monkeypatch.setattr(os, "cpu_count", lambda: None)  # "undeterminable"
    assert cores.usable_cores() == 1


def test_no_other_module_asks_for_the_affinity():
    askers = [str(path.relative_to(ROOT)) for package in PRODUCT for path in (ROOT / package).rglob("*.py")
              if "sched_getaffinity" in path.read_text(encoding="utf-8")]
    askers += [path.name for path in ROOT.glob("*.py")
               if path.name != "cores.py" and "sched_getaffinity" in path.read_text(encoding="utf-8")]
    assert askers == []
