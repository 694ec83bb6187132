"""The MNIST page's heavy comparisons as the job board runs them: progress notes with the time left, Cancel that
stops the training, and results reused by other sessions and by other seed counts."""
from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from mnist import compare, data, train_config
from ui import jobs, mnist_articles
from tests.mnist_files import MNIST_DIR

TIMEOUT_S = 300  # a comparison trains 30 small runs; the first run compiles when Numba's cache is cold
SUBSET = 576  # a training-set size no other test asks for, so the server's kept results are this test's own


def page_script() -> None:
    from ui import mnist_page

    mnist_page.render()


def test_the_board_reads_the_time_left_and_a_cancelled_training_stops_the_job(prepared):
    config = train_config.make_config([("adam", {}), ("gd", {})], epochs=1, train_subset=640)
    notes = []
    work = mnist_articles.board_work(mnist_articles.study_job(config, 1, prepared))
    study = work(lambda fraction, note: notes.append(note), lambda: False)
    assert study.final_accuracy.shape == (2, 1)
    assert len(notes) == compare.PROGRESS_CHUNKS
    assert notes[0] == "seed 0 (1 of 1), epoch 1/1, estimating the time left"
    assert all(note.endswith(" s left") for note in notes[1:])
    with pytest.raises(jobs.JobCancelled):
        mnist_articles.board_work(mnist_articles.tuning_job(config, prepared))(lambda *_: None, lambda: True)
    job = jobs.Job(("grid", 1), work, waiters=1, started=time.monotonic())
    job.report(0.25, "gd (lr=0.1) (2 of 8), epoch 1/1, about 30 s left")
    assert jobs.waiting_text("Grid:", 0, job).endswith("25% (0 s): gd (lr=0.1) (2 of 8), epoch 1/1, about 30 s left")


def test_torch_defaults_and_the_grid_are_kept_for_other_sessions_and_the_grid_for_other_seed_counts(
        prepared, monkeypatch):
    calls = {"run_seeds": 0, "tune": 0}

    def counted(name):
        original = getattr(compare, name)

        def call(*args, **kwargs):
            calls[name] += 1
            return original(*args, **kwargs)
        return call

    for name in calls:
        monkeypatch.setattr(compare, name, counted(name))
    monkeypatch.setenv(data.ENV_DIR, str(MNIST_DIR))
    first = AppTest.from_function(page_script, default_timeout=TIMEOUT_S)
    first.run()
    first.number_input(key="mnist_train_subset").set_value(SUBSET)
    first.button(key="mnist_tuned").click().run()
    assert not first.exception and not first.error
    table = first.dataframe[0].value
    assert len(table) == 5 and list(table.columns)[:2] == ["torch default lr", "at torch's default (%)"]
    assert calls == {"run_seeds": 1, "tune": 1}
    second = AppTest.from_function(page_script, default_timeout=TIMEOUT_S)  # another session, same question
    second.run()
    second.number_input(key="mnist_train_subset").set_value(SUBSET).run()
    assert not second.exception and second.dataframe[0].value.equals(table)  # shown without pressing anything
    assert calls == {"run_seeds": 1, "tune": 1}
    second.number_input(key="mnist_seeds").set_value(2).run()
    second.button(key="mnist_tuned").click().run()
    assert not second.exception and not second.error
    assert calls == {"run_seeds": 2, "tune": 1}  # two seeds at torch's defaults; the grid is the same
    assert second.dataframe[0].value["tuned lr"].equals(table["tuned lr"])
