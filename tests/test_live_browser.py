"""The live map and loss chart in a real browser (Debian's Chromium via Playwright), as a student uses it.

The contract: each live control is a native range input labelled "<optimizer title> learning rate" or
"<optimizer title> momentum" / "β1"; dragging it repaints the paths before the mouse is released; the
released value is the path the command line computes; arrow keys move one option; the start marker drags;
at 1440×900 both charts are on the first screen; a run that blew up is marked where it died.
"""
from __future__ import annotations

import csv
import io
import os
import re
from urllib.parse import urlparse

import numpy as np
import pytest

from benchmarks.live_drag import PAINTED_PATHS
from optimizers.registry import OPTIMIZERS
from tests.cli_inprocess import run_cli
from tests.conftest import ROOT, streamlit_server

pytestmark = pytest.mark.browser

RENDER_TIMEOUT_MS = 60_000  # the first page may load the Numba kernels from disk
CHANGE_TIMEOUT_MS = 20_000
VIEWPORT = {"width": 1440, "height": 900}
MIN_PATHS_DURING_DRAG = 10
MIN_MAP_SHARE = 0.55  # of the main column's width, for the map's plot area
ADAM_LR = f'input[type="range"][aria-label="{OPTIMIZERS["adam"].title} learning rate"]'
MAP = ".dl-map"
LIVE = ".dl-live"
BASE_PATH = "course/descent"  # a path of a site the app may be served below
READY = "() => { const gd = document.querySelector('.dl-map'); return !!(gd && gd._fullData && gd._fullData.length) }"
# JavaScript: [x, y] arrays of every optimizer path on the map as plotly.js holds it.
PATHS = """() => document.querySelector('.dl-map')._fullData.filter(t => t.meta === 'path')
    .map(t => [Array.from(t.x), Array.from(t.y)])"""
# JavaScript: record a signature of the paths painted on the map at every animation frame.
RECORD_PATHS = f"""() => {{
    window.__paths = new Set();
    const gd = document.querySelector('.dl-map');
    const painted = {PAINTED_PATHS};
    const record = () => {{
        window.__paths.add(painted(gd));
        if (window.__recording) requestAnimationFrame(record);
    }};
    window.__recording = true;
    requestAnimationFrame(record);
}}"""


def _open(page, url: str) -> None:
    """Open ``url`` and wait until the live map has drawn."""
    page.goto(url)
    page.wait_for_function(READY, timeout=RENDER_TIMEOUT_MS)


def _cli_path(optimizer: str, lr: str, steps: int) -> np.ndarray:
    finished = run_cli("trajectory", "--surface", "ravine", "--optimizer", optimizer, f"--lr={lr}",
                       "--steps", str(steps))
    assert finished.returncode == 0, finished.stderr
    rows = list(csv.DictReader(io.StringIO(finished.stdout)))
    return np.array([[float(r["x"]), float(r["y"])] for r in rows])


def _url_value(page, name: str) -> str:
    return page.evaluate(f"() => new URLSearchParams(location.search).get('{name}')")


def test_dragging_a_learning_rate_repaints_the_paths_and_the_release_is_the_cli_path(page, app_url):
    _open(page, app_url + "/?optimizers=gd,momentum,adam&adam.lr=0.1")
    control = page.locator(ADAM_LR)
    box = control.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.75, y)
    page.mouse.down()  # asks for the family of every Adam learning rate
    page.wait_for_function(f"() => document.querySelector('{LIVE}').dataset.family === 'adam.lr'",
                           timeout=CHANGE_TIMEOUT_MS)
    page.evaluate(RECORD_PATHS)
    for i in range(1, 41):
        page.mouse.move(box["x"] + box["width"] * (0.75 - 0.5 * i / 40), y)
    painted = page.evaluate("() => window.__paths.size")
    page.mouse.up()
    assert painted >= MIN_PATHS_DURING_DRAG
    final = OPTIMIZERS["adam"].hyperparameter("lr").options[int(control.input_value())]
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('adam.lr') === '{final:g}'",
                           timeout=CHANGE_TIMEOUT_MS)
    page.wait_for_function("name => document.querySelector('.dl-map')._fullData.some(t => t.name === name)",
                           arg=f"adam (lr={final:g})", timeout=CHANGE_TIMEOUT_MS)
    drawn = np.array(page.evaluate(PATHS)[2]).T
    expected = _cli_path("adam", f"{final:g}", 150)
    np.testing.assert_allclose(drawn, expected[:len(drawn)], rtol=1e-6, atol=1e-6)


# JavaScript: the optimizer paths' line vertices and the runs' end markers as painted on the map, and whether
# plotly.js's own data for the map (gd._fullData) has caught up with the dragged Adam path's data (gd.data).
PAINTED = """() => { const gd = document.querySelector('.dl-map');
    const groups = Array.from(gd.querySelectorAll('.scatterlayer > .trace'));
    const of = (meta) => groups.filter(g => g.__data__[0].trace.meta === meta);
    const adam = gd.data.findIndex(t => t.name && t.name.startsWith('adam'));
    const last = (t) => t.x[t.x.length - 1];
    return {
        lines: of('path').map(g => Array.from(g.querySelectorAll('path.js-line'), l => l.getAttribute('d')).join('')),
        ends: ['end', 'died'].map(meta => of(meta).map(g => Array.from(g.querySelectorAll('path.point'),
            p => [p.__data__.i, p.getAttribute('transform')]))),
        size: [gd._fullLayout._size.w, gd._fullLayout._size.h],
        caught_up: last(gd.data[adam]) === last(gd._fullData[adam]) }; }"""
# plotly.js has drawn the map's latest frame and runs no animation of its own (so the next frame is painted)
SETTLED = f"""() => {{ const t = document.querySelector('.dl-map')._transitionData;
    return ({PAINTED})().caught_up && !(t && (t._animationRaf || t._frameQueue.length)); }}"""
VERTEX = re.compile(r"[ML](-?[\d.]+(?:e-?\d+)?),(-?[\d.]+(?:e-?\d+)?)")


def _vertices(d: str) -> list[tuple[str, str]]:
    return VERTEX.findall(d)


def test_a_dragged_frame_is_painted_at_once_and_plotly_draws_the_same_when_the_drag_pauses(page, app_url):
    _open(page, app_url + "/?optimizers=gd,momentum,adam")
    box = page.locator(ADAM_LR).bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.5, y)
    page.mouse.down()
    page.wait_for_function(f"() => document.querySelector('{LIVE}').dataset.family === 'adam.lr'",
                           timeout=CHANGE_TIMEOUT_MS)
    page.mouse.move(box["x"] + box["width"] * 0.6, y)  # may be drawn by plotly.js, if its first frame is in flight
    page.wait_for_function(SETTLED, timeout=CHANGE_TIMEOUT_MS)
    # What the map shows once the control's own `input` listener has run, read in the same task: plotly.js's
    # drawing after a pause cannot have come in between.
    page.evaluate(f"""() => document.addEventListener('input', () => {{ window.__painted = ({PAINTED})(); }},
                                                     {{ once: true }})""")
    page.mouse.move(box["x"] + box["width"] * 0.7, y)
    painted = page.evaluate("() => window.__painted")
    assert painted and not painted["caught_up"], "the moved paths were painted before plotly.js drew them"
    page.wait_for_function(f"() => ({PAINTED})().caught_up", timeout=CHANGE_TIMEOUT_MS)  # the drag paused
    drawn = page.evaluate(PAINTED)
    page.mouse.up()
    width, height = drawn["size"]
    for mine, plotly in zip(painted["lines"], drawn["lines"]):
        # plotly.js leaves out points its line would pass within a pixel of, and cuts lines at the plot's edge
        inside = [v for v in _vertices(plotly) if 0 <= float(v[0]) <= width and 0 <= float(v[1]) <= height]
        assert inside and set(inside) <= set(_vertices(mine))
    assert painted["ends"] == drawn["ends"]


def test_arrow_keys_move_a_control_one_option(page, app_url):
    _open(page, app_url + "/?optimizers=gd,momentum,adam&momentum.momentum=0.6")
    control = page.locator(f'input[type="range"][aria-label="{OPTIMIZERS["momentum"].title} momentum"]')
    options = OPTIMIZERS["momentum"].hyperparameter("momentum").options
    start = options.index(0.6)
    assert int(control.input_value()) == start
    control.focus()
    control.press("ArrowRight")
    assert int(control.input_value()) == start + 1
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('momentum.momentum') === "
                           f"'{options[start + 1]:g}'", timeout=CHANGE_TIMEOUT_MS)
    assert int(control.input_value()) == start + 1  # the committed value stays on the control


def test_dragging_the_start_marker_moves_the_paths(page, app_url):
    _open(page, app_url)
    before = page.evaluate(PATHS)
    marker = page.evaluate("""() => { const gd = document.querySelector('.dl-map'), L = gd._fullLayout;
        const box = gd.getBoundingClientRect();
        const [x, y] = document.querySelector('.dl-live').dataset.start.split(',').map(Number);
        return [L.xaxis.l2p(x) + L.xaxis._offset + box.left, L.yaxis.l2p(y) + L.yaxis._offset + box.top]; }""")
    page.mouse.move(*marker)
    page.mouse.down()
    for i in range(1, 21):
        page.mouse.move(marker[0] + 8 * i, marker[1] + 4 * i)
    page.wait_for_function("before => JSON.stringify(document.querySelector('.dl-map')._fullData"
                           ".filter(t => t.meta === 'path').map(t => t.x[0])) !== JSON.stringify(before)",
                           arg=[p[0][0] for p in before], timeout=CHANGE_TIMEOUT_MS)  # moved before release
    page.mouse.up()
    page.wait_for_function("() => ![null, '-5,2'].includes(new URLSearchParams(location.search).get('start'))",
                           timeout=CHANGE_TIMEOUT_MS)  # the dropped start, committed into the address
    x, y = map(float, _url_value(page, "start").split(","))
    assert x > -5 and y < 2  # right and down, as dragged
    page.wait_for_function(f"() => document.querySelector('{LIVE}').dataset.start === '{x:g},{y:g}'",
                           timeout=CHANGE_TIMEOUT_MS)
    for xs, ys in page.evaluate(PATHS):
        assert (xs[0], ys[0]) == pytest.approx((x, y), abs=1e-5)


def test_both_charts_are_on_the_first_screen_and_the_map_takes_the_width(page, app_url, artifacts):
    _open(page, app_url)
    boxes = page.evaluate("""() => ['.dl-map', '.dl-loss', '.dl-live'].map(s => {
        const b = document.querySelector(s).getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; })""")
    for left, top, right, bottom in boxes[:2]:
        assert left >= 0 and top >= 0 and right <= VIEWPORT["width"] and bottom <= VIEWPORT["height"]
    plot_width = page.evaluate(f"() => document.querySelector('{MAP}')._fullLayout._size.w")
    column = boxes[2][2] - boxes[2][0]
    assert plot_width >= MIN_MAP_SHARE * column
    size = page.evaluate(f"() => document.querySelector('{MAP}')._fullLayout._size")
    x_axis, y_axis = page.evaluate(f"""() => {{ const L = document.querySelector('{MAP}')._fullLayout;
        return [L.xaxis._length / (L.xaxis.range[1] - L.xaxis.range[0]),
                L.yaxis._length / (L.yaxis.range[1] - L.yaxis.range[0])]; }}""")
    assert x_axis == pytest.approx(y_axis, rel=0.01), "one unit is as long on both axes"
    assert size["w"] > 0
    page.screenshot(path=str(artifacts / "playground-1440x900.png"))


def test_a_run_that_blew_up_gets_a_cross_and_the_loss_axis_keeps_the_others(page, app_url):
    _open(page, app_url + "/?optimizers=gd,momentum,adam&gd.lr=0.2")  # gd grows 3× per step across the ravine
    ends = page.evaluate("""() => { const gd = document.querySelector('.dl-map');
        return ['end', 'died'].map(meta => gd.data.find(t => t.meta === meta)).map(t =>
            [t.marker.symbol, Array.from(t.x, v => typeof v === 'number' && Number.isFinite(v))]); }""")
    assert ends == [["circle", [False, True, True]], ["x", [True, False, False]]]  # gd died: a cross, no dot
    loss = page.evaluate("""() => { const gd = document.querySelector('.dl-loss');
        return {range: gd._fullLayout.yaxis.range,
                curves: gd._fullData.filter(t => t.meta === 'loss').map(t => Array.from(t.y))}; }""")
    low, high = loss["range"]
    for curve in loss["curves"][1:]:  # the runs that did not blow up are inside the axis
        logs = np.log10(np.maximum(curve, 1e-300))
        assert logs.min() >= low and logs.max() <= high
    assert max(loss["curves"][0]) > 10 ** high  # the one that blew up leaves the top


def test_a_control_moved_to_where_a_run_blows_up_moves_its_end_to_a_cross(page, app_url):
    _open(page, app_url + "/?optimizers=gd,adam")
    control = page.locator(f'input[type="range"][aria-label="{OPTIMIZERS["gd"].title} learning rate"]')
    control.focus()  # asks for the family of every gradient-descent learning rate
    page.wait_for_function(f"() => document.querySelector('{LIVE}').dataset.family === 'gd.lr'",
                           timeout=CHANGE_TIMEOUT_MS)
    control.press("End")  # the largest learning rate: gradient descent leaves the ravine at once
    page.wait_for_function("""() => { const gd = document.querySelector('.dl-map');
        const first = (meta) => gd._fullData.find(t => t.meta === meta).x[0];
        return Number.isFinite(first('died')) && !Number.isFinite(first('end')); }""", timeout=CHANGE_TIMEOUT_MS)


def test_served_below_a_path_of_a_site_everything_comes_from_below_that_path(page):
    env = {**os.environ, "STREAMLIT_SERVER_BASE_URL_PATH": BASE_PATH}
    with streamlit_server(ROOT / "app.py", env, path=f"/{BASE_PATH}") as (url, _):
        asked = []
        page.on("request", lambda request: asked.append(urlparse(request.url).path)
                if request.url.startswith(url) else None)
        _open(page, f"{url}/{BASE_PATH}/?optimizers=gd,momentum,adam")
        page.locator(ADAM_LR).hover()  # asks for the family of Adam's learning rate
        page.wait_for_function(f"() => document.querySelector('{LIVE}').dataset.family === 'adam.lr'",
                               timeout=CHANGE_TIMEOUT_MS)
    assert f"/{BASE_PATH}/api/family" in asked
    assert [path for path in asked if not path.startswith(f"/{BASE_PATH}/")] == []
