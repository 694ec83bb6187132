"""Serving a class through nginx: two replicas started by ``deploy/replicas.py``, a small class of simulated
students through the proxy, each student's requests kept on one replica.

nginx is Debian's package: without it these tests skip with the reason, except in CI (CI=true), where a
missing nginx is a broken setup and fails.
"""
from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from collections import defaultdict
from pathlib import Path

import pytest
from streamlit.proto.NewSession_pb2 import Config

from benchmarks.bench_class import run_class, run_problems
from benchmarks.class_client import Student
from deploy import replicas
from tests.conftest import ROOT, free_port, stop, wait_until_healthy
from tests.test_browser import EXCEPTION, FIRST_PATH_X

pytestmark = pytest.mark.slow

REPLICAS = 2
# Not a name Streamlit trusts by itself (localhost, 127.0.0.1): the websockets pass only because the proxy
# forwards the host the browser asked for, which the origin the browser sends must match.
PROXY_ADDRESS = "127.0.0.2"
STUDENTS = 6
MOVES = 2
SECRET = "the grading key is 42"  # what a failing page's exception says, which students must not read
STICKY_COOKIE = "descent_replica"  # deploy/nginx.conf.in
BROWSER_TIMEOUT_MS = 120_000  # the replica's first page load imports and compiles
SPREAD_REQUESTS = 40  # fresh visitors: all landing on one of two replicas has odds 2 in 2**40
LOG_LINE = re.compile(r'"(?P<method>\w+) (?P<path>\S+) [^"]*" (?P<status>\d+) key=(?P<key>\w+) '
                      r'upstream=(?P<upstream>\S+)')


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    """``deploy/replicas.py`` with two replicas behind nginx: yields (proxy URL, run folder)."""
    if shutil.which(replicas.NGINX) is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is not installed (CI=true: the deploy tests must run)")
        pytest.skip("nginx is not installed (apt-get install -y nginx)")
    run_dir = tmp_path_factory.mktemp("deploy")
    port = free_port(REPLICAS + 1)  # the proxy's, then the replicas'
    process = subprocess.Popen([sys.executable, str(ROOT / "deploy" / "replicas.py"), "--replicas", str(REPLICAS),
                                "--listen", PROXY_ADDRESS, "--port", str(port), "--first-port", str(port + 1),
                                "--run-dir", str(run_dir)], cwd=ROOT)
    url = f"http://{PROXY_ADDRESS}:{port}"
    try:
        wait_until_healthy(url, process)
        yield url, run_dir
    finally:
        stop(process)


def _requests_by_key(run_dir: Path) -> dict[str, list[dict]]:
    by_key = defaultdict(list)
    for line in (run_dir / "access.log").read_text().splitlines():
        match = LOG_LINE.search(line)
        if match:
            by_key[match["key"]].append(match.groupdict())
    return by_key


async def _reconnect(url: str, cookie: str) -> list[str]:
    """The same browser opening a second connection (a reload, a dropped network): it must work, and land on
    the replica of its first."""
    async with Student(url.replace("http", "ws", 1), cookie=cookie) as tab:
        return run_problems(await tab.load(), f"reconnection of {cookie}")


async def _reconnect_all(url: str, cookies: list[str]) -> list[str]:
    problems = await asyncio.gather(*(_reconnect(url, cookie) for cookie in cookies))
    return [problem for found in problems for problem in found]


def test_a_class_through_nginx_stays_on_its_replicas(proxy):
    url, run_dir = proxy
    cookies: list[str] = []
    report = asyncio.run(run_class(url, STUDENTS, MOVES, cookies=cookies))
    assert report.errors == []
    assert len(report.moves) == STUDENTS * MOVES
    assert asyncio.run(_reconnect_all(url, cookies)) == []

    by_key = _requests_by_key(run_dir)
    keys = [cookie.split("=", 1)[1] for cookie in cookies]
    assert len(set(keys)) == STUDENTS  # each student its own key
    for key in keys:
        sockets = [r for r in by_key[key] if r["path"] == "/_stcore/stream"]
        assert len(sockets) == 2 and all(r["status"] == "101" for r in sockets)  # first connection, reconnection
        assert len({r["upstream"] for r in by_key[key]}) == 1, by_key[key]


def test_new_visitors_spread_over_the_replicas(proxy):
    url, run_dir = proxy
    for _ in range(SPREAD_REQUESTS):
        with urllib.request.urlopen(url + "/_stcore/health", timeout=30) as response:
            assert response.status == 200
    upstreams = {r["upstream"] for rs in _requests_by_key(run_dir).values() for r in rs
                 if r["path"] == "/_stcore/health"}
    assert len(upstreams) == REPLICAS


def test_replicas_run_with_the_production_settings(proxy):
    url, _ = proxy

    async def config():
        async with Student(url.replace("http", "ws", 1)) as tab:
            await tab.load()
            return tab.server_config

    announced = asyncio.run(config())
    assert announced.toolbar_mode == Config.ToolbarMode.VIEWER
    assert not announced.gather_usage_stats
    assert "--server.enableXsrfProtection=true" in replicas.streamlit_flags()


def test_students_never_see_an_error_s_details(tmp_path):
    """With the production settings a failing page says that something went wrong, nothing more: no
    traceback, not the exception's text."""
    script = tmp_path / "failing.py"
    script.write_text(f"raise ValueError({SECRET!r})\n")
    port = free_port()
    process = subprocess.Popen(replicas.replica_command(port, "127.0.0.1", script), cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)

        async def failing_run():
            async with Student(url.replace("http", "ws", 1)) as tab:
                return await tab.load()

        exceptions = asyncio.run(failing_run()).exceptions
    finally:
        stop(process)
    assert len(exceptions) == 1
    shown = str(exceptions[0])
    assert SECRET not in shown and "ValueError" not in shown and not exceptions[0].stack_trace


@pytest.mark.browser
def test_a_browser_draws_the_playground_through_nginx(proxy, chromium):
    """What a student does: open the proxy's link in a browser and see the paths drawn, no exception."""
    url, _ = proxy
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_function(f"() => ({FIRST_PATH_X})() !== null", timeout=BROWSER_TIMEOUT_MS)
        assert page.locator(EXCEPTION).count() == 0
        assert any(c["name"] == STICKY_COOKIE for c in context.cookies())
    finally:
        context.close()


def test_a_site_path_in_the_config_is_where_the_replicas_are_checked_and_served(tmp_path):
    assert replicas.base_path() == ""  # the repository's config serves the app at the site's root
    config = tmp_path / "config.toml"
    config.write_text('[server]\nbaseUrlPath = "/course/descent/"\n')
    assert replicas.base_path(config) == "/course/descent"
    assert "--server.baseUrlPath=/course/descent/" in replicas.streamlit_flags(config)
