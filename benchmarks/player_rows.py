"""The step player, measured in Chromium: the rows ``bench_app.py`` prints for Animation and Side by side.

- pressing a view (4 optimizers × 500 steps) until its player is drawn and ready, and the bytes the server
  sent for it (its payload and the few elements around it); the first press also loads plotly.js's full
  bundle, the next one finds it in the page;
- a change of playback speed: the bytes the server sends for it (the speed alone; the player's element goes
  out as a reference to what the browser holds);
- a mouse drag of the step scrubber (``live_drag.DRAG_S`` seconds): step-to-step redraws per second and
  input → paint times.
"""
from __future__ import annotations

import statistics
import time

from benchmarks import live_drag

OPTIMIZERS = ("gd", "momentum", "adam", "rmsprop")
STEPS = 500
PLAYER = ".dl-player"
SCRUBBER = 'input[type="range"][aria-label="Animation step"]'
READY_TIMEOUT_MS = 60_000
SWEEP_S = 1.0  # one pass over the scrubber's whole length: 500 steps in a second
EDGE_SHARE = 0.02  # of the scrubber's length kept clear of each end
SETTLE_S = 0.5  # after a press, before counting the next one's bytes: the run's last messages
# JavaScript: the player of `kind` has drawn its charts and shown a step.
READY = """kind => { const p = document.querySelector(`.dl-player[data-kind="${kind}"]`);
    const gd = p && p.querySelector('.dl-player-chart');
    return !!(gd && gd._fullData && gd._fullData.length && p.dataset.step !== undefined); }"""
SPEED_ARRIVED = "([kind, ms]) => !!window.descentPlaybackSpeeds && window.descentPlaybackSpeeds.get(kind) === ms"
# JavaScript: time every `input` event to the end of the frame that shows it, and count the frames in which
# the player shows another step.
INSTRUMENT = """() => {
    const player = document.querySelector('.dl-player');
    window.__latency = []; window.__frames = 0; let last = player.dataset.step;
    if (window.__instrumented) return;
    window.__instrumented = true;
    document.addEventListener('input', () => {
        const start = performance.now();
        requestAnimationFrame(() => setTimeout(() => window.__latency.push(performance.now() - start), 0));
    }, true);
    const watch = () => {
        if (player.dataset.step !== last) { window.__frames += 1; last = player.dataset.step; }
        requestAnimationFrame(watch);
    };
    requestAnimationFrame(watch);
}"""


class ReceivedBytes:
    """Bytes the page's websockets have received since :meth:`reset`."""

    def __init__(self, page):
        self.total = 0
        page.on("websocket", lambda socket: socket.on("framereceived", self._add))

    def _add(self, payload) -> None:
        self.total += len(payload)

    def reset(self) -> None:
        self.total = 0


def press_view(page, received: ReceivedBytes, label: str, kind: str) -> tuple[float, int]:
    """Press the view ``label``; seconds until its player of ``kind`` is ready, and the bytes received."""
    time.sleep(SETTLE_S)
    received.reset()
    started = time.perf_counter()
    page.get_by_text(label, exact=True).click()
    page.wait_for_function(READY, arg=kind, timeout=READY_TIMEOUT_MS, polling="raf")
    elapsed = time.perf_counter() - started
    time.sleep(SETTLE_S)
    return elapsed, received.total


def change_speed(page, received: ReceivedBytes, kind: str, label: str, frame_ms: int) -> int:
    """Choose the playback speed ``label``; the bytes received until the player has it and the run is over."""
    time.sleep(SETTLE_S)
    received.reset()
    page.get_by_text(label, exact=True).click()
    page.wait_for_function(SPEED_ARRIVED, arg=[kind, frame_ms], timeout=READY_TIMEOUT_MS)
    time.sleep(SETTLE_S)
    return received.total


def drag_scrubber(page) -> dict:
    """Drag the scrubber to and fro; redraws per second and input → paint times."""
    page.evaluate(INSTRUMENT)
    return live_drag.sweep(page, SCRUBBER, SWEEP_S, EDGE_SHARE)


def report(browser, app_url: str, viewport: dict) -> None:
    """Measure and print the player's rows against a running app at ``app_url``."""
    page = browser.new_page(viewport=viewport)
    received = ReceivedBytes(page)
    page.goto(f"{app_url}/?optimizers={','.join(OPTIMIZERS)}&steps={STEPS}")
    page.wait_for_function("() => !!(document.querySelector('.dl-map') || {})._fullData",
                           timeout=READY_TIMEOUT_MS)
    first_s, first_bytes = press_view(page, received, "Animation", "animation")
    next_s, next_bytes = press_view(page, received, "Side by side", "multiples")
    change_speed(page, received, "multiples", "slow", 250)  # the first change also mounts nothing new
    speed_bytes = change_speed(page, received, "multiples", "fast", 40)
    drag_scrubber(page)  # warm-up
    drags = [drag_scrubber(page) for _ in range(3)]
    page.close()
    rate, median, p95 = (statistics.median(d[key] for d in drags) for key in ("rate", "median", "p95"))
    print(f"Step player (4 optimizers × {STEPS} steps):")
    print(f"  press Animation → player ready  {first_s:6.2f} s   {first_bytes / 1e3:7.1f} kB received "
          "(includes loading plotly.js's full bundle)")
    print(f"  press Side by side → ready      {next_s:6.2f} s   {next_bytes / 1e3:7.1f} kB received")
    print(f"  playback speed change           {speed_bytes / 1e3:7.1f} kB received (the player's payload is "
          "not sent again)")
    print(f"  dragging the scrubber for {live_drag.DRAG_S:g} s, median of {len(drags)}: {rate:5.1f} step "
          f"redraws/s, input → paint median {median:5.1f} ms, p95 {p95:5.1f} ms")
