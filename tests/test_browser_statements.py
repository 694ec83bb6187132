"""What a person sees in the playground is what it does (Debian's Chromium via Playwright): the optimizer
picker offers no "Select all" it could not honour, and an invalid schedule value leaves the charts in place."""
from __future__ import annotations

import pytest

from optimizers.registry import OPTIMIZERS
from optimizers.schedules import get_schedule
from tests.test_browser import CHANGE_TIMEOUT_MS, _open

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1500, "height": 1100}  # of the conftest fixture page
OPTION = '[role="option"]'
MOVED_AT_MOST_PX = 150  # the error under the value and the note on the kept schedule: a few lines
LIVE_MAP = ".dl-map"  # the playground's live map (ui/live_paths.py)
STILL_FRAMES = 20  # animation frames in a row at the same place: the page has finished laying out
# JavaScript: the live map's top once it has paths and has stayed put for STILL_FRAMES frames.
SETTLED_MAP_TOP = """(frames) => new Promise(resolve => {
    let last = null, still = 0;
    const look = () => {
        const map = document.querySelector('%s');
        const drawn = map && (map._fullData || []).some(t => t.meta === 'path');
        const top = drawn ? map.getBoundingClientRect().top + window.scrollY : null;
        still = (top !== null && top === last) ? still + 1 : 0;
        last = top;
        if (still >= frames) resolve(top); else requestAnimationFrame(look);
    };
    look();
})""" % LIVE_MAP


def test_the_optimizer_picker_offers_no_select_all(page, app_url):  # noqa: F811
    _open(page, f"{app_url}/?optimizers=gd")
    page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"] input').first.click()
    options = page.locator(OPTION)
    options.first.wait_for(timeout=CHANGE_TIMEOUT_MS)
    texts = options.all_inner_texts()
    assert OPTIMIZERS["adam"].short_title in texts  # the list is open
    assert not [t for t in texts if "select all" in t.lower()], texts


def test_an_invalid_schedule_value_leaves_the_charts_in_place(page, app_url):  # noqa: F811
    """The value is marked where it was typed; the map stays, a line or two lower at most."""
    _open(page, f"{app_url}/?optimizers=gd&gd.schedule=exponential:gamma=0.99")
    page.get_by_text("Learning-rate schedules").first.click()
    gamma = page.locator(f'input[aria-label="{get_schedule("exponential").params[0].label}"]')
    gamma.wait_for(timeout=CHANGE_TIMEOUT_MS)
    map_top = page.evaluate(SETTLED_MAP_TOP, STILL_FRAMES)
    gamma.fill("0")
    gamma.press("Enter")
    page.locator('[data-testid="stAlertContentError"]').first.wait_for(timeout=CHANGE_TIMEOUT_MS)
    page.get_by_text("keep the last valid schedule").wait_for(timeout=CHANGE_TIMEOUT_MS)
    assert page.locator(".js-plotly-plot").count() >= 2  # the map and the loss curves still stand
    assert 0 <= page.evaluate(SETTLED_MAP_TOP, STILL_FRAMES) - map_top < MOVED_AT_MOST_PX
