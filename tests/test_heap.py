"""The garbage-collection settling after a page's first run: once per page and process, and really frozen."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _in_own_process(script: str) -> list[int]:
    """Run ``script`` in a process of its own (freezing is process-wide, and the test process should keep
    collecting) and read the integers it prints."""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
                          timeout=300)
    return [int(word) for word in done.stdout.split()]


def test_each_page_settles_once():
    """A page's second run freezes nothing new; another page's first run freezes what appeared since."""
    first, again, other = _in_own_process(
        "import gc; from ui import heap; heap.settle_after_first_run('a'); first = gc.get_freeze_count(); "
        "kept = [[i] for i in range(1000)]; heap.settle_after_first_run('a'); again = gc.get_freeze_count(); "
        "heap.settle_after_first_run('b'); print(first, again, gc.get_freeze_count())")
    assert first > 0 and again == first and other >= first + 1000


def test_the_app_settles_after_its_first_run():
    (frozen,) = _in_own_process(
        "import gc; from streamlit.testing.v1 import AppTest; "
        "at = AppTest.from_file('app.py', default_timeout=120).run(); assert not at.exception; "
        "print(gc.get_freeze_count())")
    assert frozen > 10_000


def test_settling_moves_the_live_objects_out_of_the_collectors_sight():
    before, frozen, still_visited = _in_own_process(
        "import gc, numpy, plotly.graph_objects; from ui import heap; "
        "before = gc.get_freeze_count(); heap.settle_after_first_run('page'); "
        "print(before, gc.get_freeze_count(), len(gc.get_objects()))")
    assert before == 0 and frozen > 10_000 and still_visited < frozen / 100
