"""Shared fixtures: a real ``streamlit run app.py`` on localhost and Debian's Chromium through Playwright.

No browser is ever downloaded: tests use /usr/bin/chromium (or a ``chromium`` on PATH). Without one, browser
tests skip with the reason, except when CI=true, where a missing browser is a broken setup and fails.
"""
from __future__ import annotations

import functools
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from streamlit.components.v2 import manifest_scanner

from deploy.replicas import wait_until_healthy
from mnist import data, train
from tests.mnist_files import HAS_MNIST, MNIST_DIR, SKIP_REASON

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"  # screenshots for people to look at (git-ignored)
CHROMIUM_CANDIDATES = ("/usr/bin/chromium",)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
# JavaScript: [[margins asked for], [margins drawn]] (left, right, top, bottom) of every chart on the page.
# Plotly grows a margin that is too small for its labels, colour bar or legend, then draws the chart again.
CHART_MARGINS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(plot => plot._fullLayout && plot.layout && plot.layout.margin)
    .map(plot => [['l', 'r', 't', 'b'].map(side => plot.layout.margin[side]),
                  ['l', 'r', 't', 'b'].map(side => plot._fullLayout._size[side])])"""


# Tests that start a server or a browser share one xdist worker, one at a time: they wait for pages and
# sessions, and a second server compiling beside them on a 2-core machine would only make them wait longer.
SERIAL_GROUP = "servers"
SERVER_FIXTURES = {"app_server", "app_url", "chromium", "page"}
# Modules that start servers of their own (and nginx): one server per module, never one per slow test.
SERVER_MODULES = {"test_load", "test_deploy", "test_rerun_cost"}
# Scheduling ranks: xdist hands out groups in collection order (pytest.ini turns off its reordering by test
# count): one to each worker, then more to any worker with at most two tests left to run. So the slow tests, one
# per group, come first and land on both workers (the first two on different ones); then the server group, then the
# modules, whose short groups fill the gaps at the end instead of one long test running alone after the rest.
SLOW_RANK, SERVER_RANK, OTHER_RANK = range(3)
NOT_A_WORD = re.compile(r"\W")  # a group name without "[" or "@", which xdist reads in test ids
# Test servers' ports: below Linux's default ephemeral range (32768–60999), above the well-known services'.
PORT_RANGE = (20000, 32768)
PORT_ATTEMPTS = 50


def _group(item: pytest.Item) -> tuple[int, str]:
    """(scheduling rank, xdist group) of a test: the serial server group; a slow test alone, so that two slow
    tests of one module can run on both workers at once; else its module, whose module-scoped fixtures are then
    built once."""
    module = item.module.__name__.rsplit(".", 1)[-1]
    if (item.get_closest_marker("browser") is not None or module in SERVER_MODULES
            or SERVER_FIXTURES & set(item.fixturenames)):
        return SERVER_RANK, SERIAL_GROUP
    if item.get_closest_marker("slow") is not None:
        return SLOW_RANK, f"{module}.{NOT_A_WORD.sub('_', item.name)}"
    return OTHER_RANK, module


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: a worker per usable core and one more. The server group's worker spends most of its time
    waiting for servers and subprocesses; the extra worker's tests use that core meanwhile. (macOS has no
    ``sched_getaffinity``; there every core is usable.)"""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return usable + 1


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook, which reads the groups into the test ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Group tests for ``--dist loadgroup`` (see :func:`_group`) and put the groups most likely to be long
    first; within a rank, the collection order stays."""
    ranks = {}
    for item in items:
        rank, group = _group(item)
        ranks[item] = rank
        item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=ranks.__getitem__)


def interruptible() -> None:
    """``preexec_fn`` for a child that a test sends Ctrl-C: SIGINT's default action, as a terminal's foreground
    job has. A shell that starts the tests in the background (``pytest &``) hands its children SIGINT ignored,
    and Python then installs no handler of its own."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def find_chromium() -> str | None:
    """Debian's Chromium, or any ``chromium`` on PATH."""
    for path in CHROMIUM_CANDIDATES:
        if os.access(path, os.X_OK):
            return path
    return shutil.which("chromium")


def missing_browser(reason: str) -> None:
    """Skip locally; in CI a missing browser must fail, so the browser tests can never silently vanish."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: browser tests must run)")
    pytest.skip(reason)


def free_port(count: int = 1) -> int:
    """A port p such that p, p + 1, …, p + count − 1 are free on localhost (replicas take consecutive ports).

    Chosen at random below the kernel's ephemeral range: a port the kernel hands out (``bind`` to port 0, the
    source port of any connection) may go to another process between this check and the server's own bind, and
    a server that then fails to bind leaves its health check answered by someone else's."""
    rng = random.Random()  # its own generator: tests that seed the global one must not pick the same ports
    for _ in range(PORT_ATTEMPTS):
        first = rng.randrange(PORT_RANGE[0], PORT_RANGE[1] - count)
        if all(_bindable(port) for port in range(first, first + count)):
            return first
    raise RuntimeError(f"no {count} free consecutive ports in {PORT_RANGE} after {PORT_ATTEMPTS} tries")


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def start_streamlit(script: Path, port: int, env: dict[str, str] | None = None) -> subprocess.Popen:
    """``streamlit run script`` headless on 127.0.0.1:port (the caller waits for it and stops it)."""
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port),
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    return subprocess.Popen(command, cwd=ROOT, env=env or os.environ.copy(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def streamlit_server(script: Path, env: dict[str, str] | None = None, path: str = ""
                     ) -> Iterator[tuple[str, subprocess.Popen]]:
    """``streamlit run script`` freshly started on a free localhost port: yields (base URL, process). ``path``:
    where the server serves below that URL (its ``server.baseUrlPath``, set in ``env``), "/…" or ""."""
    port = free_port()
    process = start_streamlit(script, port, env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url + path, process)
        yield url, process
    finally:
        stop(process)


@pytest.fixture(scope="session")
def app_server():
    """The app served by ``streamlit run app.py`` on a free localhost port: yields (base URL, process)."""
    with streamlit_server(ROOT / "app.py") as served:
        yield served


@pytest.fixture(scope="session")
def app_url(app_server) -> str:
    return app_server[0]


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium (Debian's) driven by Playwright, shared by one module's tests.

    Module scope on purpose: Playwright's sync API allows one running instance per thread, and other
    modules start their own.
    """
    executable = find_chromium()
    if executable is None:
        missing_browser("no Chromium found at /usr/bin/chromium or on PATH")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_browser("the playwright Python package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, request):
    """A tab in a fresh browser context (no cookies or cache from other tests), sized by the test module's
    ``VIEWPORT``."""
    context = chromium.new_context(viewport=request.module.VIEWPORT)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def prepared() -> train.Prepared:
    """The MNIST dataset, loaded and prepared once per worker process (the tests only read it)."""
    if not HAS_MNIST:
        pytest.skip(SKIP_REASON)
    return train.prepare(data.load(MNIST_DIR))


@pytest.fixture(scope="session", autouse=True)
def component_manifests_scanned_once() -> Iterator[None]:
    """Each new AppTest scans every installed distribution for Streamlit component manifests: 0.2 s of CPU,
    116 times in a run of the suite: 26 s, a sixth of its CPU. The installed packages do not change while the tests
    run, so each worker scans once."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(manifest_scanner, "scan_component_manifests",
                      functools.cache(manifest_scanner.scan_component_manifests))
        yield
