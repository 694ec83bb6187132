"""Shared heavy work: identical jobs run once, different ones queue for a core, abandoned ones stop, and
every session gets a result of its own."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from ui import jobs, stability_compute
from ui.jobs import JobBoard, JobCancelled

WAIT_SECONDS = 30  # generous: other test processes share the machine's two cores


def _blocking_work(gate: threading.Event, calls: list, value):
    """Work that records each call and finishes when ``gate`` opens."""
    def work(report, cancelled):
        calls.append(value)
        assert gate.wait(WAIT_SECONDS)
        report(1.0)
        return value
    return work


def _wait_until(condition) -> None:
    """Wait for what the test reads: a worker thread has to get to it first."""
    ready = threading.Event()
    for _ in range(WAIT_SECONDS * 100):
        if condition():
            return
        ready.wait(0.01)
    raise AssertionError("condition not reached")


def test_identical_jobs_run_once_and_every_asker_gets_the_result():
    board, gate, calls = JobBoard(workers=1), threading.Event(), []
    first = board.join("map", ("same",), _blocking_work(gate, calls, 42), keep=4)
    second = board.join("map", ("same",), _blocking_work(gate, calls, 43), keep=4)
    assert first is second and first.waiters == 2
    gate.set()
    assert first.finished.wait(WAIT_SECONDS)
    assert calls == [42] and first.result == 42
    later = board.join("map", ("same",), _blocking_work(gate, calls, 44), keep=4)
    assert later.finished.is_set() and later.result == 42 and calls == [42]  # kept: not run again


def test_different_jobs_wait_their_turn_and_know_their_place():
    board, gate, calls = JobBoard(workers=1), threading.Event(), []
    running = board.join("map", ("a",), _blocking_work(gate, calls, "a"), keep=4)
    queued = [board.join("map", (name,), _blocking_work(gate, calls, name), keep=4) for name in "bc"]
    _wait_until(lambda: calls)
    assert calls == ["a"]  # one core's worth: the others wait
    assert [board.jobs_ahead(job) for job in (running, *queued)] == [0, 1, 2]
    assert jobs.waiting_text("Map", 2, queued[1]).endswith("2 jobs ahead in the queue")
    gate.set()
    assert all(job.finished.wait(WAIT_SECONDS) for job in queued)
    assert calls == ["a", "b", "c"]


def test_a_job_nobody_waits_for_is_cancelled():
    board, gate, calls = JobBoard(workers=1), threading.Event(), []
    stopped = threading.Event()

    def reporting_work(report, cancelled):
        calls.append("long")
        while True:
            try:
                report(0.5)
            except JobCancelled:
                stopped.set()
                raise
            gate.wait(0.01)

    long_job = board.join("gif", ("long",), reporting_work, keep=4)
    abandoned = board.join("gif", ("queued",), _blocking_work(gate, calls, "queued"), keep=4)
    _wait_until(lambda: calls)
    board.leave(abandoned)  # never started: dropped from the queue
    board.leave(long_job)  # running: stopped at its next progress report
    assert stopped.wait(WAIT_SECONDS)
    after = board.join("gif", ("next",), _blocking_work(gate, calls, "next"), keep=4)
    gate.set()
    assert after.finished.wait(WAIT_SECONDS)
    assert calls == ["long", "next"]
    assert not long_job.finished.is_set()  # a cancelled job has no result to hand out


def test_errors_reach_every_asker_and_are_not_kept():
    board = JobBoard(workers=1)

    def failing(report, cancelled):
        raise ValueError("bad input")

    job = board.join("map", ("bad",), failing, keep=4)
    assert job.finished.wait(WAIT_SECONDS)
    assert isinstance(job.error, ValueError)
    again = board.join("map", ("bad",), failing, keep=4)
    assert again is not job  # a new attempt, not a kept failure
    assert again.finished.wait(WAIT_SECONDS)


def test_only_the_most_recently_used_results_are_kept():
    board = JobBoard(workers=1)
    for name in "abc":
        assert board.join("map", (name,), lambda r, c, name=name: name, keep=2).finished.wait(WAIT_SECONDS)
    kept = board.join("map", ("c",), lambda r, c: "recomputed", keep=2)
    assert kept.finished.is_set() and kept.result == "c"
    dropped = board.join("map", ("a",), lambda r, c: "recomputed", keep=2)
    assert dropped.finished.wait(WAIT_SECONDS) and dropped.result == "recomputed"


def test_each_session_gets_a_copy_it_can_change_alone():
    inputs = ("copy", np.random.default_rng().random())  # fresh inputs: not kept from an earlier test
    mine = jobs.shared_result("test", inputs, lambda report, cancelled: np.zeros(3), "Computing", keep=1)
    mine[0] = 99.0
    theirs = jobs.shared_result("test", inputs, lambda report, cancelled: np.ones(3), "Computing", keep=1)
    assert theirs.tolist() == [0.0, 0.0, 0.0]


def test_the_work_error_is_raised_in_the_asking_session():
    def failing(report, cancelled):
        raise ValueError("one clear line")

    with pytest.raises(ValueError, match="one clear line"):
        jobs.shared_result("test", ("error",), failing, "Computing", keep=1)


STABILITY_PAGE = "from ui import stability_page\nstability_page.render()\n"


def test_two_sessions_opening_the_same_map_compute_it_once(monkeypatch):
    """The stability page's map is a job on the server's board: a second session with the same settings gets
    the first's result, not a second sweep."""
    sweeps = []
    real_sweep = stability_compute.sweep
    monkeypatch.setattr(stability_compute, "sweep", lambda *args: sweeps.append(args) or real_sweep(*args))
    fresh = JobBoard()  # a board no earlier test has filled
    monkeypatch.setattr(jobs, "board", lambda: fresh)
    for _ in range(2):
        session = AppTest.from_string(STABILITY_PAGE, default_timeout=120).run()
        assert not session.exception
    assert len(sweeps) == 1
    assert len(fresh._results["stability map"]) == 1


def test_a_job_hands_its_result_so_far_to_the_waiting_sessions():
    board, gate = JobBoard(workers=1), threading.Event()

    def training(report, cancelled):
        report(0.5, "epoch 1", [1.0, 0.5])  # the loss curve so far
        gate.wait(WAIT_SECONDS)
        report(1.0)  # progress without a new partial result keeps the last one
        return [1.0, 0.5, 0.25]

    job = board.join("train", ("same settings",), training, keep=1)
    _wait_until(lambda: job.partial is not None)
    assert (job.fraction, job.partial) == (0.5, [1.0, 0.5])
    gate.set()
    assert job.finished.wait(WAIT_SECONDS)
    assert job.partial == [1.0, 0.5] and job.result == [1.0, 0.5, 0.25]
