"""The stability-map page in a real browser: the heatmap renders, no exception shows, and a click loads a cell.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright; no browser is ever downloaded. Without
Chromium or Playwright the test is skipped with the reason, except in CI (CI=true), where that is a failure.
A screenshot of the page goes to artifacts/ for people to look at.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
PAGE_PATH = "stability"  # the page's url path in app.py's navigation
SERVER_START_SECONDS = 60
RENDER_TIMEOUT_MS = 120_000  # a cold start may compile the parallel sweep kernel first
VIEWPORT = {"width": 1400, "height": 1800}
CLICKED_CAPTION = "Showing the cell you clicked"


def _missing(reason: str) -> None:
    """Skip locally; in CI a missing browser is a broken setup, so fail loudly instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: browser tests must run)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with status {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"streamlit did not listen on port {port} within {SERVER_START_SECONDS} s")


@pytest.fixture(scope="module")
def page_url():
    """The stability page of the real app (``streamlit run app.py``) on a free port."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true", f"--server.port={port}",
         "--server.address=127.0.0.1", "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}/{PAGE_PATH}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        _missing(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_the_map_renders_and_a_click_loads_a_cell(browser, page_url):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(page_url)
    heatmap = page.locator(".js-plotly-plot g.hm").first
    heatmap.wait_for(timeout=RENDER_TIMEOUT_MS)
    page.get_by_text("Showing the best cell").wait_for(timeout=RENDER_TIMEOUT_MS)
    assert page.locator('[data-testid="stException"]').count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "stability_page.png"), full_page=True)

    # Click the left third of the map (small learning rates: a stable cell) and wait for the path view.
    plot_area = page.locator(".js-plotly-plot .nsewdrag").first.bounding_box()
    page.mouse.click(plot_area["x"] + plot_area["width"] / 3, plot_area["y"] + plot_area["height"] / 2)
    page.get_by_text(CLICKED_CAPTION).wait_for(timeout=RENDER_TIMEOUT_MS)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "stability_page_clicked.png"), full_page=True)
    page.close()
