"""The step player in a real browser (Debian's Chromium via Playwright): Animation, Side by side and 3D.

The contract: the scrubber is a native range input labelled "Animation step" over every step 0…steps; buttons
labelled "One step back", "One step forward", "Back to the start" and "Play"/"Pause"; the current step is
shown as text ("step 3 / 150"); the path drawn at step s ends at the point the core computed after s steps.
A change of playback speed sends the speed, not the player's payload again.
"""
from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from tests.cli_inprocess import run_cli

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1440, "height": 900}  # of the conftest fixture page
RENDER_TIMEOUT_MS = 60_000  # the first page may load the Numba kernels from disk
CHANGE_TIMEOUT_MS = 20_000
PLAYER = ".dl-player"
SCRUBBER = 'input[type="range"][aria-label="Animation step"]'
LABEL = ".dl-step-label"
READY = """() => { const gd = document.querySelector('.dl-player-chart');
    return !!(gd && gd._fullData && gd._fullData.length && document.querySelector('.dl-player').dataset.step) }"""
# JavaScript: [x, y] (and z in 3D) arrays of every path drawn up to the current step, as plotly.js holds them.
TRAILS = """() => document.querySelector('.dl-player-chart')._fullData.filter(t => t.meta === 'trail')
    .map(t => [Array.from(t.x), Array.from(t.y), t.z ? Array.from(t.z) : []])"""
STEPS = 150
LR = "0.01"
SPEED_CHANGE_BYTES = 5_000  # the speed element and a reference to the player's: the payload is 30 times more
SPEED_ARRIVED = "ms => window.descentPlaybackSpeeds && window.descentPlaybackSpeeds.get('animation') === ms"


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(READY, timeout=RENDER_TIMEOUT_MS)


def _at_step(page, step: int) -> None:
    page.wait_for_function(f"() => document.querySelector('{PLAYER}').dataset.step === '{step}'",
                           timeout=CHANGE_TIMEOUT_MS)
    assert page.locator(LABEL).text_content() == f"step {step} / {STEPS}"


def _engine_path(optimizer: str) -> np.ndarray:
    finished = run_cli("trajectory", "--surface", "ravine", "--optimizer", optimizer, f"--lr={LR}",
                       "--steps", str(STEPS))
    assert finished.returncode == 0, finished.stderr
    rows = list(csv.DictReader(io.StringIO(finished.stdout)))
    return np.array([[float(r["x"]), float(r["y"])] for r in rows])


def test_one_step_buttons_from_the_start_draw_the_engines_step_three(page, app_url):  # noqa: F811
    _open(page, f"{app_url}/?view=animation&optimizers=gd&gd.lr={LR}&steps={STEPS}")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(f"() => document.querySelector('{PLAYER}').dataset.step !== '0'",
                           timeout=CHANGE_TIMEOUT_MS)
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Back to the start").click()
    _at_step(page, 0)
    for _ in range(3):
        page.get_by_role("button", name="One step forward").click()
    _at_step(page, 3)
    (x, y, _), = page.evaluate(TRAILS)
    assert len(x) == 4  # positions after 0, 1, 2 and 3 updates
    expected = _engine_path("gd")[3].astype(np.float32)
    assert (np.float32(x[-1]), np.float32(y[-1])) == (expected[0], expected[1])
    page.get_by_role("button", name="One step back").click()
    _at_step(page, 2)


def test_dragging_the_scrubber_reaches_an_arbitrary_step(page, app_url):  # noqa: F811
    _open(page, f"{app_url}/?view=multiples&optimizers=gd,adam&gd.lr={LR}&steps={STEPS}")
    scrubber = page.locator(SCRUBBER)
    assert scrubber.get_attribute("max") == str(STEPS) and scrubber.get_attribute("step") == "1"
    box = scrubber.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 2, y)
    page.mouse.down()
    for i in range(1, 21):
        page.mouse.move(box["x"] + box["width"] * 0.6 * i / 20, y)
    page.mouse.up()
    target = int(scrubber.input_value())
    assert 0 < target < STEPS
    _at_step(page, target)
    scrubber.press("ArrowRight")  # the keyboard moves one step
    _at_step(page, target + 1)
    gd, _adam = page.evaluate(TRAILS)
    expected = _engine_path("gd")[target + 1].astype(np.float32)
    assert len(gd[0]) == target + 2
    assert (np.float32(gd[0][-1]), np.float32(gd[1][-1])) == (expected[0], expected[1])


def test_the_3d_view_grows_its_paths_step_by_step(page, app_url, artifacts):  # noqa: F811
    _open(page, f"{app_url}/?3d=1&optimizers=gd,adam&gd.lr={LR}&steps={STEPS}")
    assert page.evaluate("() => document.querySelector('.dl-player-chart')._fullData[0].type") == "surface"
    assert [len(x) for x, _, _ in page.evaluate(TRAILS)] == [1, 1]
    page.get_by_role("button", name="One step forward").click()
    _at_step(page, 1)
    assert [(len(x), len(z)) for x, _, z in page.evaluate(TRAILS)] == [(2, 2), (2, 2)]
    page.locator(SCRUBBER).fill("120")
    _at_step(page, 120)
    assert [len(x) for x, _, _ in page.evaluate(TRAILS)] == [121, 121]
    page.screenshot(path=str(artifacts / "playground-3d-player.png"))


def test_a_speed_change_sends_the_speed_and_playing_goes_on_at_it(page, app_url):  # noqa: F811
    received = []
    page.on("websocket", lambda socket: socket.on("framereceived", lambda message: received.append(len(message))))
    _open(page, f"{app_url}/?view=animation&optimizers=gd,adam&gd.lr={LR}&steps={STEPS}")
    payload = sum(received)
    page.get_by_role("button", name="Play").click()
    received.clear()
    page.get_by_text("slow", exact=True).click()
    page.wait_for_function(SPEED_ARRIVED, arg=250, timeout=CHANGE_TIMEOUT_MS)
    # The player's element comes before the speed's in the same run: whatever it cost has arrived by now.
    assert 0 < sum(received) < SPEED_CHANGE_BYTES < payload
    step = int(page.locator(PLAYER).get_attribute("data-step"))
    page.wait_for_function(f"() => Number(document.querySelector('{PLAYER}').dataset.step) > {step}",
                           timeout=CHANGE_TIMEOUT_MS)  # still playing, at the new pace
