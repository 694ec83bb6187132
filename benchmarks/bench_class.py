"""A class on one server: N students open the playground at once, then each moves a learning-rate slider
every few seconds.

Every student is a websocket client speaking Streamlit's protocol (``benchmarks/class_client.py``), so one
machine plays a hundred students without a hundred browsers. A student first fetches the page (as the browser
does, which also collects a proxy's sticky cookie), loads the playground, checks that a chart arrived and no
exception did, then moves its slider. Each configuration runs on a freshly started server
(``benchmarks/class_servers.py``; a cold start, the way a class meets it), and the same class runs in the same
session against a minimal page (one slider, one chart) so the figures can be read against what Streamlit itself
costs here. Prints load and slider latency
(p50/p95), errors, the server's CPU (cores busy, on average), its peak resident memory, the simulator's own
CPU, and the server's CPU time per page load and per slider move. The last column, students per core, is
how many students moving a slider every 3 s one fully used core keeps up with: latency depends on how busy
the machine is (it is shared), CPU time per move much less::

    python benchmarks/bench_class.py --students 100

Targets on a 2-core machine: 100 students, 0 errors, slider p95 ≤ 1 s, server peak RSS ≤ 1.5 GB.

Streamlit runs a full garbage collection after every script run (``runner.postScriptGC``); the app freezes the
objects alive after a page's first run out of the collector's sight (``ui/heap.py``). The configurations
measured: Streamlit's default, the collection switched off, and the default without the freeze. Then the
same class through nginx to replicas started by ``deploy/replicas.py`` (``--replicas 2``: one per core here),
with the production settings of ``deploy/config.toml``; CPU and memory are then summed over every replica and
the proxy.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from websockets.exceptions import WebSocketException

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.class_client import Run, Student  # noqa: E402
from benchmarks.class_servers import ServerProbe, replicas_behind_nginx, single_server  # noqa: E402
from tests.conftest import ROOT  # noqa: E402
from ui import state  # noqa: E402

# A Plotly figure's JSON as Streamlit sends it starts with its traces; an empty figure's list is empty. (Reading
# the prefix, not parsing megabytes of JSON per run, keeps the simulator's own CPU out of the measurement.)
CHART_WITH_DATA = '{"data":[{'
THINK_SECONDS = (2.0, 4.0)  # a student moves the slider every 2–4 s
RUN_TIMEOUT_SECONDS = 180.0  # one load or slider move taking longer is an error
TARGET_STUDENTS = 100
TARGET_P95_S = 1.0
TARGET_RSS_MB = 1536
PLAYGROUND_SLIDER_KEY = state.hp_key("gd", "lr")
MINIMAL_SLIDER_KEY = "value"
MINIMAL_PAGE = f'''
import plotly.graph_objects as go
import streamlit as st

value = st.select_slider("value", [str(v) for v in range(100)], "50", key={MINIMAL_SLIDER_KEY!r})
st.plotly_chart(go.Figure(go.Scatter(x=[0, 1], y=[0, int(value)]), layout=dict(title=dict(text=value))))
'''
# The app as the benchmark's third configuration serves it: every page as usual, but never frozen.
APP_WITHOUT_FREEZE = f'''
import runpy
import sys

sys.path.insert(0, {str(ROOT)!r})
from ui import heap

heap.settle_after_first_run = lambda page: None
runpy.run_path({str(ROOT / "app.py")!r}, run_name="__main__")
'''
CONFIGURATIONS = {  # name → (Streamlit's postScriptGC, the app's freeze)
    "default": ("true", True),
    "no-post-gc": ("false", True),
    "no-freeze": ("true", False),
}


@dataclass
class ClassReport:
    """What one class measured: per-student latencies, errors and the server's CPU and memory."""
    students: int
    loads: list[float] = field(default_factory=list)
    moves: list[float] = field(default_factory=list)
    moved_at: list[float] = field(default_factory=list)  # when each move was made, seconds after all loaded
    all_loaded_at: float = 0.0  # time.perf_counter() when the last student had loaded the page
    errors: list[str] = field(default_factory=list)
    busy_cores: float = 0.0  # server CPU seconds per wall second while the class ran
    client_cores: float = 0.0  # the same for this simulator, which shares the machine
    peak_rss_mb: float = 0.0
    cpu_per_load: float = 0.0  # server CPU seconds per student while the class loaded the page
    cpu_per_move: float = 0.0  # server CPU seconds per slider move afterwards
    on_all_loaded: Callable[[], None] = field(default=lambda: None, repr=False)

    @property
    def students_per_core(self) -> float:
        """Students moving a slider every THINK_SECONDS on average that one fully used core keeps up with."""
        return statistics.mean(THINK_SECONDS) / self.cpu_per_move if self.cpu_per_move else float("nan")


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def fetch_page(base_url: str) -> str:
    """GET the app's page as the browser does first; returns the cookies set (a proxy's sticky cookie)."""
    with urllib.request.urlopen(base_url + "/", timeout=RUN_TIMEOUT_SECONDS) as response:
        response.read()
        return "; ".join(c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or [])


def _live_chart_has_paths(component) -> bool:
    """The playground's live chart (a custom component) arrived with its map's traces."""
    return bool(component.bytes) and bool(json.loads(component.bytes).get("map", {}).get("data"))


def run_problems(run: Run, what: str) -> list[str]:
    """A run must draw a chart with data and no exception."""
    problems = [f"{what}: exception {e.type}: {e.message[:120]}" for e in run.exceptions]
    if run.compile_error:
        problems.append(f"{what}: the script failed to compile")
    if not (any(chart.spec.startswith(CHART_WITH_DATA) for chart in run.of_type("plotly_chart"))
            or any(_live_chart_has_paths(chart) for chart in run.of_type("bidi_component"))):
        problems.append(f"{what}: no chart with data arrived")
    return problems


def _slider(run: Run, key: str):
    sliders = [s for s in run.of_type("slider") if s.id.endswith(key)]
    if not sliders:
        raise LookupError(f"no slider keyed {key!r} was drawn")
    return sliders[0]


async def student(base_url: str, slider_key: str, moves: int, seed: int, report: ClassReport,
                  all_loaded: asyncio.Barrier, cookies: list[str] | None = None) -> None:
    """One student: fetch the page and load it; once the whole class has, move the slider ``moves`` times, a
    few seconds apart."""
    rng = random.Random(seed)
    tab = None
    try:
        try:
            cookie = await asyncio.to_thread(fetch_page, base_url)
            if cookies is not None:
                cookies.append(cookie)
            tab = Student(base_url.replace("http", "ws", 1), cookie=cookie)
            await tab.__aenter__()
            run = await asyncio.wait_for(tab.load(), RUN_TIMEOUT_SECONDS)
        finally:  # arrived, loaded or not: nobody waits for a student who failed
            if await all_loaded.wait() == 0:
                report.all_loaded_at = time.perf_counter()
                report.on_all_loaded()
        report.loads.append(run.seconds)
        report.errors.extend(run_problems(run, f"student {seed} load"))
        slider = _slider(run, slider_key)
        for move in range(moves):
            await asyncio.sleep(rng.uniform(*THINK_SECONDS))
            value = tab.widgets[slider.id].__class__()
            value.string_array_value.data.append(rng.choice(slider.options))
            moved_at = time.perf_counter() - report.all_loaded_at
            run = await asyncio.wait_for(tab.move(slider.id, value), RUN_TIMEOUT_SECONDS)
            report.moves.append(run.seconds)
            report.moved_at.append(moved_at)
            report.errors.extend(run_problems(run, f"student {seed} move {move}"))
    except (OSError, LookupError, asyncio.TimeoutError, WebSocketException) as error:
        report.errors.append(f"student {seed}: {type(error).__name__}: {error}")
    finally:
        if tab is not None and tab.ws is not None:
            await tab.__aexit__()


async def run_class(base_url: str, students: int, moves: int, slider_key: str = PLAYGROUND_SLIDER_KEY,
                    cookies: list[str] | None = None, on_all_loaded=lambda: None) -> ClassReport:
    """``students`` students arriving at once on the server at ``base_url``; ``on_all_loaded()`` is called
    when the last of them has loaded the page, before the first slider move."""
    report = ClassReport(students, on_all_loaded=on_all_loaded)
    all_loaded = asyncio.Barrier(students)
    await asyncio.gather(*(student(base_url, slider_key, moves, seed, report, all_loaded, cookies)
                           for seed in range(students)))
    return report


def measure(server, students: int, moves: int, slider_key: str) -> ClassReport:
    """A class on a freshly started ``server`` (a context manager yielding its URL and process ids), with
    the server's CPU and peak memory, and its CPU time per page load and per slider move."""
    with server as (url, pids):
        probe = ServerProbe(pids)
        cpu_before, client_before, started = probe.cpu_seconds(), time.process_time(), time.perf_counter()
        loaded_cpu = []
        report = asyncio.run(run_class(url, students, moves, slider_key,
                                       on_all_loaded=lambda: loaded_cpu.append(probe.cpu_seconds())))
        wall = time.perf_counter() - started
        cpu_after = probe.cpu_seconds()
        report.busy_cores = (cpu_after - cpu_before) / wall
        report.client_cores = (time.process_time() - client_before) / wall
        report.peak_rss_mb = probe.peak_rss_mb()
        report.cpu_per_load = (loaded_cpu[0] - cpu_before) / students
        report.cpu_per_move = (cpu_after - loaded_cpu[0]) / max(1, len(report.moves))
    return report


def timeline(report: ClassReport) -> list[str]:
    """Per second after the whole class loaded: the slider moves made in it and how long they took (p50,
    max), to tell a first round of moves from pauses later on."""
    by_second: dict[int, list[float]] = {}
    for moved_at, seconds in zip(report.moved_at, report.moves):
        by_second.setdefault(int(moved_at), []).append(seconds)
    return [f"    {second:>4} s {len(took):>4} moves  p50 {percentile(took, .5):6.3f}  max {max(took):6.3f}"
            for second, took in sorted(by_second.items())]


def row(page: str, configuration: str, report: ClassReport) -> str:
    return (f"{page:<11} {configuration:<11} {report.students:>8} "
            f"{percentile(report.loads, .5):6.2f} {percentile(report.loads, .95):6.2f}   "
            f"{percentile(report.moves, .5):6.3f} {percentile(report.moves, .95):6.3f} {len(report.errors):>6} "
            f"{report.busy_cores:>6.2f} {report.peak_rss_mb:>8.0f} {report.client_cores:>7.2f} "
            f"{1000 * report.cpu_per_load:>8.0f} {1000 * report.cpu_per_move:>8.1f} {report.students_per_core:>9.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=TARGET_STUDENTS)
    parser.add_argument("--moves", type=int, default=5, help="slider moves per student")
    parser.add_argument("--configurations", nargs="*", choices=CONFIGURATIONS, default=list(CONFIGURATIONS),
                        help="one server each (none: skip)")
    parser.add_argument("--timeline", action="store_true",
                        help="also print the playground's slider moves per second after the class loaded")
    parser.add_argument("--replicas", nargs="*", type=int, default=[2],
                        help="also serve the playground from this many replicas behind nginx "
                             "(deploy/replicas.py, production settings); none: skip")
    args = parser.parse_args()
    print(f"{'page':<11} {'config':<11} {'students':>8} {'load p50':>6} {'p95':>6}   {'slider p50':>6} {'p95':>6} "
          f"{'errors':>6} {'cores':>6} {'peak MB':>8} {'client':>7} {'ms/load':>8} {'ms/move':>8} {'per core':>9}")
    minimal_report = None
    with tempfile.TemporaryDirectory(prefix="bench-class-") as scratch:
        minimal, unfrozen = Path(scratch) / "minimal.py", Path(scratch) / "app_without_freeze.py"
        minimal.write_text(MINIMAL_PAGE)
        unfrozen.write_text(APP_WITHOUT_FREEZE)
        for name in args.configurations:
            post_script_gc, frozen = CONFIGURATIONS[name]
            env = {**os.environ, "STREAMLIT_RUNNER_POST_SCRIPT_GC": post_script_gc}
            minimal_report = measure(single_server(minimal, env), args.students, args.moves, MINIMAL_SLIDER_KEY)
            print(row("minimal", name, minimal_report), flush=True)
            report = measure(single_server(ROOT / "app.py" if frozen else unfrozen, env), args.students,
                             args.moves, PLAYGROUND_SLIDER_KEY)
            _verdict("playground", name, report, minimal_report)
            if args.timeline:
                print("\n".join(timeline(report)), flush=True)
        for count in args.replicas:
            report = measure(replicas_behind_nginx(count, Path(scratch) / f"replicas-{count}"), args.students,
                             args.moves, PLAYGROUND_SLIDER_KEY)
            _verdict("playground", f"{count} x nginx", report, minimal_report)


def _verdict(page: str, configuration: str, report: ClassReport, minimal: ClassReport | None) -> None:
    print(row(page, configuration, report), flush=True)
    for error in sorted(set(report.errors))[:5]:
        print("   ", error)
    p95 = percentile(report.moves, .95)
    met = not report.errors and p95 <= TARGET_P95_S and report.peak_rss_mb <= TARGET_RSS_MB
    ratio = "" if minimal is None else (f"; slider p95 / the minimal page's last measured: "
                                        f"{p95 / percentile(minimal.moves, .95):.1f}×")
    print(f"    {'PASS' if met else 'MISS'} targets (0 errors, slider p95 ≤ {TARGET_P95_S} s, peak RSS ≤ "
          f"{TARGET_RSS_MB} MB){ratio}", flush=True)


if __name__ == "__main__":
    main()
