"""Playground speed in a real browser: slider → redrawn chart, and the first page load, cold and warm.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright against ``streamlit run app.py`` and, in the
same run, against a minimal Streamlit page (one slider, one empty Plotly chart), so the numbers can be read
against what Streamlit itself costs on this machine. Prints medians and PASS/MISS per target::

    python benchmarks/bench_app.py          # every row
    python benchmarks/bench_app.py --live   # the live chart's drag rows only
    python benchmarks/bench_app.py --player # the step player's rows only

The live chart's drag rows (``benchmarks/live_drag.py``) come first: redraws per second and input → paint while
a learning-rate control is dragged, against a floor page that only swaps precomputed paths; press → family
ready; the family's payload; start-marker drag updates per second. The step player's rows
(``benchmarks/player_rows.py``) follow: press → player ready, the bytes a press and a speed change send, and
redraws per second while its scrubber is dragged.

Targets (README's Performance table): slider → redraw median ≤ 0.4 s and ≤ 1.5× the minimal page, with 4
optimizers × 500 steps; first load with a cold Numba cache ≤ 10 s, warm ≤ 3 s. "First load" is the time from opening the
page on a freshly started server until the paths are drawn. The server loads the playground's kernels
before it answers (``ui/server_start.py``), so the time from starting it until it answers is printed beside.

A third page shows where the ratio's floor lies: the playground's map and loss charts for the same settings,
precomputed for every slider position, in a fragment that holds nothing else. No page that draws these two
charts with ``st.plotly_chart`` can redraw faster than that.

A fourth page is the minimal page with the app's garbage-collection settling (``ui.heap``). Streamlit runs a
full garbage collection after every run, and on the minimal page that is most of its redraw time; the
target's ratio is taken against the minimal page as Streamlit ships it, and this row shows what the same
setting does to it, for a fair reading of the ratio.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import live_drag, player_rows  # noqa: E402
from tests.conftest import (CHROMIUM_ARGS, ROOT, find_chromium, free_port, start_streamlit, stop,  # noqa: E402
                            wait_until_healthy)

QUERY = "?optimizers=gd,momentum,adam,rmsprop&steps=500"  # 4 optimizers × 500 steps
MOVES = 21  # slider moves measured per page (each to a value not seen before: no cache hits)
WARM_UP_MOVES = 2
# Pause after each move, so the tail of one redraw (the charts' second layout pass, tables, the server finishing
# its run) never lands inside the next measurement, on this page or another.
SETTLE_S = 0.5
LOAD_TIMEOUT_MS = 120_000
MOVE_TIMEOUT_MS = 30_000
VIEWPORT = {"width": 1500, "height": 1100}
TARGET_MEDIAN_S = 0.4
TARGET_RATIO = 1.5
TARGET_COLD_S = 10.0
TARGET_WARM_S = 3.0
WARM_LOADS = 3  # fresh servers each, taking turns with the minimal page's: one load is too noisy a reading

MINIMAL_PAGE = '''
import plotly.graph_objects as go
import streamlit as st

value = st.slider("value", 0, 100, 50)
st.plotly_chart(go.Figure(layout=dict(title=dict(text=f"value {value}"))))
'''
# Appended to the minimal page: settled after its first run as the app's pages are.
SETTLING = '''
import sys
sys.path.insert(0, {root!r})
from ui import heap
heap.settle_after_first_run("minimal")
'''
# The playground's own map and loss charts for the benchmark's settings, precomputed for every slider value
# and drawn by a fragment holding nothing else: what Streamlit and Plotly alone charge for these two charts.
CHARTS_ONLY_PAGE = '''
import sys
sys.path.insert(0, {root!r})
import streamlit as st
from landscapes.grid import DEFAULT_RESOLUTION, surface_grid
from simulation.engine import run
from simulation.settings import make_run, make_settings
from ui import heap
from viz import result_figures

OPTIMIZERS = ("gd", "momentum", "adam", "rmsprop")
LEARNING_RATES = [0.002 * 1.1 ** k for k in range(40)]


@st.cache_resource
def figures():
    grid = surface_grid("ravine", DEFAULT_RESOLUTION, ())
    pairs = []
    for lr in LEARNING_RATES:
        settings = make_settings("ravine", [make_run(name, {{"lr": lr}}) for name in OPTIMIZERS], 500,
                                 (-5.0, 2.0), 0.0, 0, {{}})
        result = run(settings, record_state=True)
        pairs.append((result_figures.map_figure(result, grid), result_figures.loss_figure(result, False)))
    return pairs


@st.fragment
def charts():
    with st.sidebar:
        index = st.slider("value", 0, len(LEARNING_RATES) - 1, len(LEARNING_RATES) - 1)
    left, right = st.columns([1.25, 1])
    left.plotly_chart(figures()[index][0], key="map", on_select="rerun", selection_mode="points")
    right.plotly_chart(figures()[index][1], key="loss")


charts()
heap.settle_after_first_run("charts")  # as the app does after each page's first run
'''
APP_SLIDER = 'input[type="range"][aria-label="learning rate η"]'
MINIMAL_SLIDER = 'input[type="range"][aria-label="value"]'
# What "redrawn" means on each page, as a JavaScript snapshot that changes when the chart is redrawn.
APP_SNAPSHOT = """() => {
    for (const plot of document.querySelectorAll('.js-plotly-plot')) {
        const trace = (plot._fullData || []).find(t => t.meta === 'path');
        if (trace) return Array.from(trace.x).slice(0, 60).join(',');
    }
    return null;
}"""
MINIMAL_SNAPSHOT = "() => { const t = document.querySelector('.js-plotly-plot .gtitle'); return t && t.textContent; }"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _first_load(browser, url: str, snapshot: str) -> float:
    """Seconds from opening ``url`` until ``snapshot`` returns something (the chart is drawn)."""
    page = browser.new_page(viewport=VIEWPORT)
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_function(f"() => ({snapshot})() !== null", timeout=LOAD_TIMEOUT_MS, polling="raf")
    elapsed = time.perf_counter() - started
    page.close()
    return elapsed


class SliderPage:
    """A browser tab on ``url`` whose ``slider`` is moved one step at a time, timing each redraw."""

    def __init__(self, browser, url: str, slider: str, snapshot: str):
        self.page = browser.new_page(viewport=VIEWPORT)
        self.page.goto(url)
        self.page.wait_for_function(f"() => ({snapshot})() !== null", timeout=LOAD_TIMEOUT_MS)
        self.slider, self.snapshot = self.page.locator(slider).first, snapshot

    def move(self) -> float:
        """Seconds from one ArrowLeft on the slider until the chart shows the new data."""
        before = self.page.evaluate(self.snapshot)
        started = time.perf_counter()
        self.slider.press("ArrowLeft")
        self.page.wait_for_function(f"before => ({self.snapshot})() !== before", arg=before,
                                    timeout=MOVE_TIMEOUT_MS, polling="raf")
        return time.perf_counter() - started


def _interleaved_moves(pages: list[SliderPage]) -> list[list[float]]:
    """Redraw times per page, moving one slider on each page in turn: the machine's load changes from second
    to second, and taking turns exposes every page to the same load."""
    times: list[list[float]] = [[] for _ in pages]
    for move in range(WARM_UP_MOVES + MOVES):
        for page, page_times in zip(pages, times):
            elapsed = page.move()
            time.sleep(SETTLE_S)
            if move >= WARM_UP_MOVES:
                page_times.append(elapsed)
    return times


class Server:
    """``streamlit run`` of one script on a free port, as a context manager."""

    def __init__(self, script: Path, env: dict[str, str] | None = None):
        self.script, self.env = script, env

    def __enter__(self) -> str:
        port = free_port()
        started = time.perf_counter()
        self.process = start_streamlit(self.script, port, self.env)
        self.url = f"http://127.0.0.1:{port}"
        wait_until_healthy(self.url, self.process)
        self.start_s = time.perf_counter() - started  # from starting the process until it answers
        return self.url

    def __exit__(self, *exc) -> None:
        stop(self.process)


def rows_only(browser, rows) -> None:
    """One group of rows (``live_drag`` or ``player_rows``) alone, against an app whose kernels are already in
    the Numba cache."""
    with Server(ROOT / "app.py") as app_url:
        rows.report(browser, app_url, VIEWPORT)


def main() -> None:
    executable = find_chromium()
    if executable is None:
        sys.exit("no Chromium at /usr/bin/chromium or on PATH (apt-get install -y chromium)")
    with tempfile.TemporaryDirectory(prefix="bench-app-") as scratch, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        only = [rows for flag, rows in (("--live", live_drag), ("--player", player_rows)) if flag in sys.argv[1:]]
        if only:
            for rows in only:
                rows_only(browser, rows)
            browser.close()
            return
        minimal = Path(scratch) / "minimal.py"
        minimal.write_text(MINIMAL_PAGE)
        cache_env = {**os.environ, "NUMBA_CACHE_DIR": str(Path(scratch) / "numba-cache")}

        cold_server = Server(ROOT / "app.py", cache_env)
        with cold_server as url:  # empty cache folder: every kernel compiles
            cold = _first_load(browser, url + QUERY, APP_SNAPSHOT)
        warm_loads, warm_starts, minimal_loads = [], [], []
        for _ in range(WARM_LOADS):
            with (warm_server := Server(ROOT / "app.py", cache_env)) as url:  # the folder is filled now
                warm_loads.append(_first_load(browser, url + QUERY, APP_SNAPSHOT))
            warm_starts.append(warm_server.start_s)
            with Server(minimal) as url:
                minimal_loads.append(_first_load(browser, url, MINIMAL_SNAPSHOT))
        warm, minimal_first = statistics.median(warm_loads), statistics.median(minimal_loads)
        charts_only = Path(scratch) / "charts_only.py"
        charts_only.write_text(CHARTS_ONLY_PAGE.format(root=str(ROOT)))
        minimal_settled = Path(scratch) / "minimal_settled.py"
        minimal_settled.write_text(MINIMAL_PAGE + SETTLING.format(root=str(ROOT)))
        with Server(ROOT / "app.py", cache_env) as app_url:
            live_drag.report(browser, app_url, VIEWPORT)
            player_rows.report(browser, app_url, VIEWPORT)
        with Server(ROOT / "app.py", cache_env) as app_url, Server(minimal) as minimal_url, \
                Server(charts_only, cache_env) as charts_url, Server(minimal_settled) as settled_url:
            pages = [SliderPage(browser, app_url + QUERY, APP_SLIDER, APP_SNAPSHOT),
                     SliderPage(browser, minimal_url, MINIMAL_SLIDER, MINIMAL_SNAPSHOT),
                     SliderPage(browser, charts_url, MINIMAL_SLIDER, APP_SNAPSHOT),
                     SliderPage(browser, settled_url, MINIMAL_SLIDER, MINIMAL_SNAPSHOT)]
            app_times, minimal_times, charts_times, settled_times = _interleaved_moves(pages)
        browser.close()

    app_median, minimal_median = statistics.median(app_times), statistics.median(minimal_times)
    ratio = app_median / minimal_median
    print(f"Slider → redrawn chart, median of {MOVES} moves (4 optimizers × 500 steps):")
    print(f"  playground      {app_median:6.3f} s   (min {min(app_times):.3f}, max {max(app_times):.3f})   "
          f"target ≤ {TARGET_MEDIAN_S:g} s: {_verdict(app_median <= TARGET_MEDIAN_S)}")
    print(f"  minimal page    {minimal_median:6.3f} s   (min {min(minimal_times):.3f}, max {max(minimal_times):.3f})")
    print(f"  ratio           {ratio:6.2f} ×   target ≤ {TARGET_RATIO:g} ×: {_verdict(ratio <= TARGET_RATIO)}")
    charts_median = statistics.median(charts_times)
    print(f"  charts only     {charts_median:6.3f} s   = {charts_median / minimal_median:.2f} × the minimal page: the "
          "same two charts, precomputed, in a fragment with one slider (the floor for drawing them)")
    settled_median = statistics.median(settled_times)
    print(f"  minimal, settled{settled_median:6.3f} s   the minimal page with the app's garbage-collection settling; "
          f"against it the playground is {app_median / settled_median:.2f} ×")
    print("First page load (fresh server, until the paths are drawn):")
    print(f"  cold Numba cache {cold:6.2f} s   target ≤ {TARGET_COLD_S:g} s: {_verdict(cold <= TARGET_COLD_S)}   "
          f"(server start until it answers: {cold_server.start_s:.2f} s, compiling the kernels)")
    print(f"  warm Numba cache {warm:6.2f} s   target ≤ {TARGET_WARM_S:g} s: {_verdict(warm <= TARGET_WARM_S)}   "
          f"(median of {WARM_LOADS}: {', '.join(f'{t:.2f}' for t in warm_loads)}; server start until it answers: "
          f"{statistics.median(warm_starts):.2f} s)")
    print(f"  minimal page     {minimal_first:6.2f} s   (median of {WARM_LOADS}, taking turns with the app's: Streamlit "
          f"and Plotly alone, for comparison)")


if __name__ == "__main__":
    main()
