"""The garbage-collection settling after a page's first run: once per page and process, and really frozen."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui import heap

ROOT = Path(__file__).resolve().parent.parent


def test_each_page_settles_once(monkeypatch):
    calls = []
    monkeypatch.setattr(heap.gc, "collect", lambda: calls.append("collect"))
    monkeypatch.setattr(heap.gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(heap, "_settled", set())
    for page in ("ui.playground", "ui.playground", "ui.mnist_page", "ui.playground"):
        heap.settle_after_first_run(page)
    assert calls == ["collect", "freeze"] * 2


def test_the_app_settles_the_page_it_ran(monkeypatch):
    settled = []
    monkeypatch.setattr(heap, "settle_after_first_run", settled.append)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert settled == ["ui.playground"]


def test_settling_moves_the_live_objects_out_of_the_collectors_sight():
    """In a process of its own: freezing is process-wide, and the test process should keep collecting."""
    script = ("import gc, numpy, plotly.graph_objects; from ui import heap; "
              "before = gc.get_freeze_count(); heap.settle_after_first_run('page'); "
              "print(before, gc.get_freeze_count(), len(gc.get_objects()))")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    before, frozen, still_visited = map(int, done.stdout.split())
    assert before == 0 and frozen > 10_000 and still_visited < frozen / 100
