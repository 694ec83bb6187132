"""Heavy work shared by every session of the server: identical jobs run once, different ones take turns.

When a class presses the same button with the same settings, one job runs and every session asking for it
waits for that job, showing its progress, and gets the same result. Different jobs run at most one per core
(``WORKERS``); the others wait in a queue, and each waiting session shows its place in it. A job no session
waits for any more (every asker moved on or closed the tab) is cancelled: dropped from the queue, or stopped
at its next progress report. Finished results are kept, a few per kind of job, keyed by everything that
shapes them, so a session that asks later gets them at once.

Use from a page::

    data = jobs.shared_result("gif", (settings, options), work, "Rendering GIF …", keep=8)

where ``work(report, cancelled)`` computes the result, may call ``report(fraction)`` with its progress (0…1),
or ``report(fraction, note, partial)`` with a note the waiting sessions read beside it and the result so far,
which they draw with the page's ``show_partial`` (live loss curves), and may poll ``cancelled()`` between
steps. ``report`` raises :class:`JobCancelled` once nobody waits, so work that only reports progress stops
too. Work runs in the board's own threads, never in a session's: it must not call Streamlit, and everything it
needs is in its arguments. Each session gets its own copy of the result, so nothing one session does to it can
reach another's.
"""
from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable

import streamlit as st

from cores import usable_cores

WORKERS = usable_cores()  # jobs running at once: one per core this process may use
POLL_SECONDS = 0.25  # how often a waiting session refreshes its progress bar (and can be stopped)
Work = Callable[[Callable[..., None], Callable[[], bool]], Any]  # work(report, cancelled) -> result


class JobCancelled(Exception):
    """Raised inside a job's ``report`` once no session waits for the job any more."""


@dataclass(eq=False)
class Job:
    """One piece of heavy work and what the sessions waiting for it need to see."""
    key: Hashable
    work: Work
    waiters: int = 0  # sessions waiting for the result
    fraction: float = 0.0  # progress reported by the work so far
    note: str = ""  # what the work last said about its progress
    partial: Any = None  # the latest result so far the work reported (read-only for the sessions)
    started: float | None = None  # time.monotonic() when a worker took it
    result: Any = None
    error: BaseException | None = None
    finished: threading.Event = field(default_factory=threading.Event)

    def cancelled(self) -> bool:
        return self.waiters == 0

    def report(self, fraction: float, note: str = "", partial: Any = None) -> None:
        if self.cancelled():
            raise JobCancelled()
        self.fraction = min(max(fraction, 0.0), 1.0)
        self.note = note
        if partial is not None:
            self.partial = partial


class JobBoard:
    """The queue, the workers and the finished results of one server process."""

    def __init__(self, workers: int = WORKERS):
        self._lock = threading.Lock()
        self._has_work = threading.Condition(self._lock)
        self._queue: deque[Job] = deque()  # waiting for a worker, first come first served
        self._pending: dict[Hashable, Job] = {}  # queued or running, by key
        self._results: dict[str, OrderedDict[Hashable, Any]] = {}  # kind → key → result, oldest first
        self._keep: dict[str, int] = {}  # kind → how many finished results to keep
        self._threads = [threading.Thread(target=self._serve, name=f"job-worker-{i}", daemon=True)
                         for i in range(workers)]
        for thread in self._threads:
            thread.start()

    def join(self, kind: str, inputs: Hashable, work: Work, keep: int) -> Job:
        """The job for ``inputs``: a finished one, the one already queued or running, or a new one. The
        caller counts as waiting for it until it calls :meth:`leave` (not needed once it is finished). The
        ``keep`` most recently used finished results of ``kind`` are kept."""
        key = (kind, inputs)
        with self._lock:
            self._keep[kind] = keep
            results = self._results.setdefault(kind, OrderedDict())
            if key in results:
                results.move_to_end(key)
                done = Job(key, work, result=results[key])
                done.finished.set()
                return done
            job = self._pending.get(key)
            if job is None:
                job = self._pending[key] = Job(key, work)
                self._queue.append(job)
                self._has_work.notify()
            job.waiters += 1
            return job

    def has_result(self, kind: str, inputs: Hashable) -> bool:
        """A finished result for ``inputs`` is kept (asking for it returns at once)."""
        with self._lock:
            return (kind, inputs) in self._results.get(kind, {})

    def leave(self, job: Job) -> None:
        """A session stops waiting for ``job``; with nobody left it is cancelled."""
        with self._lock:
            job.waiters = max(0, job.waiters - 1)

    def jobs_ahead(self, job: Job) -> int:
        """How many jobs are queued before ``job`` (0 once it runs)."""
        with self._lock:
            for position, queued in enumerate(self._queue):
                if queued is job:
                    return position + 1
            return 0

    def _serve(self) -> None:
        while True:
            with self._lock:
                while not self._queue:
                    self._has_work.wait()
                job = self._queue.popleft()
                if job.cancelled():
                    del self._pending[job.key]
                    continue
            job.started = time.monotonic()
            try:
                job.result = job.work(job.report, job.cancelled)
            except JobCancelled:
                self._requeue_if_wanted(job)
                continue
            except Exception as error:  # handed to every waiting session, which shows or raises it
                job.error = error
            self._finish(job)

    def _requeue_if_wanted(self, job: Job) -> None:
        """A session may have joined while the work was stopping: start again for it, first in line."""
        with self._lock:
            if job.cancelled():
                del self._pending[job.key]
            else:
                job.fraction, job.note, job.started = 0.0, "", None
                self._queue.appendleft(job)
                self._has_work.notify()

    def _finish(self, job: Job) -> None:
        kind = job.key[0]
        with self._lock:
            del self._pending[job.key]
            if job.error is None:
                self._results[kind][job.key] = job.result
                while len(self._results[kind]) > self._keep[kind]:
                    self._results[kind].popitem(last=False)
        job.finished.set()


@st.cache_resource(show_spinner=False)
def board() -> JobBoard:
    """The server's job board, shared by every session (a resource, like a database connection)."""
    return JobBoard()


def has_result(kind: str, inputs: Hashable) -> bool:
    """Some session already computed ``inputs``: a page may show it without being asked again."""
    return board().has_result(kind, inputs)


def shared_result(kind: str, inputs: Hashable, work: Work, label: str, keep: int,
                  show_partial: Callable[[Any], None] | None = None) -> Any:
    """The result of ``work`` for ``inputs``, computed once for every session that asks for it.

    ``inputs`` must hold everything that shapes the result. While the job waits for a core, the page shows
    its place in the queue; while it runs, its progress (or the seconds so far, for work that reports none),
    and ``show_partial(partial)`` draws each new result so far the work reports, below the progress bar.
    Raises what the work raised. A rerun or a closed tab stops the waiting, and the job is cancelled when
    no session waits for it any more.
    """
    jobs = board()
    job = jobs.join(kind, inputs, work, keep)
    if not job.finished.is_set():
        _wait_showing_progress(jobs, job, label, show_partial)
    if job.error is not None:
        raise job.error
    return copy.deepcopy(job.result)


def _wait_showing_progress(jobs: JobBoard, job: Job, label: str,
                           show_partial: Callable[[Any], None] | None) -> None:
    slot, partial_slot = st.empty(), st.empty()
    shown = None
    try:
        while not job.finished.wait(POLL_SECONDS):
            # Each update is also where Streamlit stops this run when the user has asked for another.
            slot.progress(job.fraction, text=waiting_text(label, jobs.jobs_ahead(job), job))
            partial = job.partial
            if show_partial is not None and partial is not None and partial is not shown:
                with partial_slot.container():
                    show_partial(partial)
                shown = partial
    finally:
        if not job.finished.is_set():
            jobs.leave(job)
        slot.empty()
        partial_slot.empty()


def waiting_text(label: str, ahead: int, job: Job) -> str:
    """What a waiting session reads: its place in the queue, or the running job's progress."""
    if ahead:
        jobs_word = "job" if ahead == 1 else "jobs"
        return f"{label} waiting for a free processor core: {ahead} {jobs_word} ahead in the queue"
    if job.started is None:
        return f"{label} starting"
    seconds = time.monotonic() - job.started
    text = f"{label} {job.fraction:.0%} ({seconds:.0f} s)" if job.fraction else f"{label} ({seconds:.0f} s)"
    return f"{text}: {job.note}" if job.note else text
