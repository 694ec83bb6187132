"""Playground speed in a real browser: slider → redrawn chart, and the first page load, cold and warm.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright against ``streamlit run app.py`` and, in the
same run, against a minimal Streamlit page (one slider, one empty Plotly chart), so the numbers can be read
against what Streamlit itself costs on this machine. Prints medians and PASS/MISS per target::

    python benchmarks/bench_app.py

Targets (from the issue): slider → redraw median ≤ 0.4 s and ≤ 1.5× the minimal page, with 4 optimizers ×
500 steps; first load with a cold Numba cache ≤ 10 s, warm ≤ 3 s. "First load" is the time from opening the
page on a freshly started server until the paths are drawn.
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

from tests.conftest import (CHROMIUM_ARGS, ROOT, find_chromium, free_port, start_streamlit, stop,  # noqa: E402
                            wait_until_healthy)

QUERY = "?optimizers=gd,momentum,adam,rmsprop&steps=500"  # 4 optimizers × 500 steps
MOVES = 15  # slider moves measured per page (each to a value not seen before: no cache hits)
WARM_UP_MOVES = 2
LOAD_TIMEOUT_MS = 120_000
MOVE_TIMEOUT_MS = 30_000
VIEWPORT = {"width": 1500, "height": 1100}
TARGET_MEDIAN_S = 0.4
TARGET_RATIO = 1.5
TARGET_COLD_S = 10.0
TARGET_WARM_S = 3.0

MINIMAL_PAGE = '''
import plotly.graph_objects as go
import streamlit as st

value = st.slider("value", 0, 100, 50)
st.plotly_chart(go.Figure(layout=dict(title=dict(text=f"value {value}"))))
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


def _slider_moves(browser, url: str, slider: str, snapshot: str) -> list[float]:
    """Seconds from each ArrowLeft on ``slider`` until the chart shows the new data."""
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(url)
    page.wait_for_function(f"() => ({snapshot})() !== null", timeout=LOAD_TIMEOUT_MS)
    handle = page.locator(slider).first
    times = []
    for move in range(WARM_UP_MOVES + MOVES):
        before = page.evaluate(snapshot)
        started = time.perf_counter()
        handle.press("ArrowLeft")
        page.wait_for_function(f"before => ({snapshot})() !== before", arg=before, timeout=MOVE_TIMEOUT_MS,
                               polling="raf")
        if move >= WARM_UP_MOVES:
            times.append(time.perf_counter() - started)
    page.close()
    return times


class Server:
    """``streamlit run`` of one script on a free port, as a context manager."""

    def __init__(self, script: Path, env: dict[str, str] | None = None):
        self.script, self.env = script, env

    def __enter__(self) -> str:
        port = free_port()
        self.process = start_streamlit(self.script, port, self.env)
        self.url = f"http://127.0.0.1:{port}"
        wait_until_healthy(self.url, self.process)
        return self.url

    def __exit__(self, *exc) -> None:
        stop(self.process)


def main() -> None:
    executable = find_chromium()
    if executable is None:
        sys.exit("no Chromium at /usr/bin/chromium or on PATH (apt-get install -y chromium)")
    with tempfile.TemporaryDirectory(prefix="bench-app-") as scratch, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        minimal = Path(scratch) / "minimal.py"
        minimal.write_text(MINIMAL_PAGE)
        cache_env = {**os.environ, "NUMBA_CACHE_DIR": str(Path(scratch) / "numba-cache")}

        with Server(ROOT / "app.py", cache_env) as url:  # empty cache folder: every kernel compiles
            cold = _first_load(browser, url + QUERY, APP_SNAPSHOT)
        with Server(ROOT / "app.py", cache_env) as url:  # same folder, now filled: kernels load from disk
            warm = _first_load(browser, url + QUERY, APP_SNAPSHOT)
            app_times = _slider_moves(browser, url + QUERY, APP_SLIDER, APP_SNAPSHOT)
        with Server(minimal) as url:
            minimal_first = _first_load(browser, url, MINIMAL_SNAPSHOT)
            minimal_times = _slider_moves(browser, url, MINIMAL_SLIDER, MINIMAL_SNAPSHOT)
        browser.close()

    app_median, minimal_median = statistics.median(app_times), statistics.median(minimal_times)
    ratio = app_median / minimal_median
    print(f"Slider → redrawn chart, median of {MOVES} moves (4 optimizers × 500 steps):")
    print(f"  playground      {app_median:6.3f} s   (min {min(app_times):.3f}, max {max(app_times):.3f})   "
          f"target ≤ {TARGET_MEDIAN_S:g} s: {_verdict(app_median <= TARGET_MEDIAN_S)}")
    print(f"  minimal page    {minimal_median:6.3f} s   (min {min(minimal_times):.3f}, max {max(minimal_times):.3f})")
    print(f"  ratio           {ratio:6.2f} ×   target ≤ {TARGET_RATIO:g} ×: {_verdict(ratio <= TARGET_RATIO)}")
    print("First page load (fresh server, until the paths are drawn):")
    print(f"  cold Numba cache {cold:6.2f} s   target ≤ {TARGET_COLD_S:g} s: {_verdict(cold <= TARGET_COLD_S)}")
    print(f"  warm Numba cache {warm:6.2f} s   target ≤ {TARGET_WARM_S:g} s: {_verdict(warm <= TARGET_WARM_S)}")
    print(f"  minimal page     {minimal_first:6.2f} s   (Streamlit and Plotly alone, for comparison)")


if __name__ == "__main__":
    main()
