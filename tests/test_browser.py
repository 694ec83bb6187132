"""The playground in a real browser (Debian's Chromium via Playwright) against ``streamlit run app.py``.

Checks what only a browser shows: the chart renders with no exception element, a keyboard move of the
learning-rate slider redraws the path, the animation plays and the 3D toggle works (the live chart's own tests
are in test_live_browser.py).
A screenshot goes to artifacts/ for the record.
"""
from __future__ import annotations

import pytest

from optimizers.registry import OPTIMIZERS
from optimizers.schedules import get_schedule
from tests.conftest import CHART_MARGINS

pytestmark = pytest.mark.browser

RENDER_TIMEOUT_MS = 60_000  # the first page may load the Numba kernels from disk
CHANGE_TIMEOUT_MS = 20_000
VIEWPORT = {"width": 1500, "height": 1100}
LR_SLIDER = 'input[type="range"][aria-label="learning rate η"]'
EXCEPTION = '[data-testid="stException"]'
CURRENT_STEP = ".dl-step-label"  # the step player's "step N / steps"
# JavaScript: the x data of the first optimizer path as plotly.js drew it (_fullData holds decoded typed
# arrays), or null while no chart shows a path yet.
FIRST_PATH_X = """() => {
    for (const plot of document.querySelectorAll('.js-plotly-plot')) {
        const trace = (plot._fullData || []).find(t => t.meta === 'path');
        if (trace) return Array.from(trace.x).slice(0, 40);
    }
    return null;
}"""
PLOT_COUNT_AT_LEAST = "n => document.querySelectorAll('.js-plotly-plot').length >= n"
# The view's n charts are there and plotly.js has laid out every chart on the page (what CHART_MARGINS reads).
CHARTS_LAID_OUT = """n => {
    const plots = [...document.querySelectorAll('.js-plotly-plot')];
    return plots.length >= n && plots.every(plot => plot._fullLayout && plot.layout && plot.layout.margin);
}"""


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(f"() => ({FIRST_PATH_X})() !== null", timeout=RENDER_TIMEOUT_MS)


def test_the_chart_renders_without_an_exception(page, app_url, artifacts):
    _open(page, app_url)
    page.wait_for_function(PLOT_COUNT_AT_LEAST, arg=2, timeout=RENDER_TIMEOUT_MS)
    assert page.locator(EXCEPTION).count() == 0
    assert page.evaluate(FIRST_PATH_X), "the map draws at least one path"
    page.wait_for_load_state("networkidle")  # every widget's code has arrived: no placeholders in the picture
    page.screenshot(path=str(artifacts / "playground.png"), full_page=True)


def test_moving_the_learning_rate_slider_with_the_keyboard_redraws_the_path(page, app_url):
    _open(page, app_url)
    before = page.evaluate(FIRST_PATH_X)
    slider = page.locator(LR_SLIDER).first
    slider.focus()
    slider.press("ArrowLeft")
    page.wait_for_function(f"before => JSON.stringify(({FIRST_PATH_X})()) !== JSON.stringify(before)",
                           arg=before, timeout=CHANGE_TIMEOUT_MS)
    assert page.locator(EXCEPTION).count() == 0


@pytest.mark.parametrize("view, n_charts", [("paths", 2), ("animation", 1), ("multiples", 1), ("inside", 1)])
def test_charts_start_with_margins_that_fit(page, app_url, view, n_charts):
    """Drawn in one pass: no chart had to grow a margin (each growth redraws the chart on every slider move)."""
    _open(page, f"{app_url}/?view={view}&optimizers=gd,momentum,adam,rmsprop")
    page.wait_for_load_state("networkidle")
    page.wait_for_function(CHARTS_LAID_OUT, arg=n_charts, timeout=CHANGE_TIMEOUT_MS)
    charts = page.evaluate(CHART_MARGINS)
    assert len(charts) >= n_charts
    for asked, drawn in charts:
        assert drawn == asked


def test_the_animation_plays(page, app_url, artifacts):
    _open(page, app_url + "/?view=animation")
    page.wait_for_function(f"() => document.querySelector('{CURRENT_STEP}')?.textContent === 'step 0 / 150'",
                           timeout=CHANGE_TIMEOUT_MS)
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(
        f"() => document.querySelector('{CURRENT_STEP}').textContent !== 'step 0 / 150'",
        timeout=CHANGE_TIMEOUT_MS)
    page.screenshot(path=str(artifacts / "playground-animation.png"))
    assert page.locator(EXCEPTION).count() == 0


def test_the_3d_toggle_shows_the_surface(page, app_url, artifacts):
    _open(page, app_url)
    page.get_by_text("3D surface").first.click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot')].some(p => p.data && p.data[0].type === 'surface')",
        timeout=CHANGE_TIMEOUT_MS)
    page.wait_for_timeout(500)  # let WebGL paint before the screenshot
    page.screenshot(path=str(artifacts / "playground-3d.png"))
    assert page.locator(EXCEPTION).count() == 0
    for asked, drawn in page.evaluate(CHART_MARGINS):
        assert drawn == asked, "a chart grew its margins: Plotly drew it twice"


def _wait_for_new_path(page, before) -> list:
    """The first path's x data once it differs from ``before``."""
    page.wait_for_function(f"before => JSON.stringify(({FIRST_PATH_X})()) !== JSON.stringify(before)",
                           arg=before, timeout=CHANGE_TIMEOUT_MS)
    return page.evaluate(FIRST_PATH_X)


def test_typing_your_own_function_draws_it(page, app_url, artifacts):
    _open(page, app_url)
    before = page.evaluate(FIRST_PATH_X)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Loss surface").click()
    page.get_by_role("option", name="Your own function…").click()
    example = _wait_for_new_path(page, before)  # the example formula is drawn at once
    # and the address names it: the run's last message, after the chart
    page.wait_for_function("() => decodeURIComponent(location.search).includes('expr:')", timeout=CHANGE_TIMEOUT_MS)
    formula = page.locator('input[aria-label="f(x, y) ="]')
    formula.fill("(x - 1)**2 + 3*sin(y)**2")
    formula.press("Enter")
    _wait_for_new_path(page, example)
    page.wait_for_function("() => decodeURIComponent(location.search).includes('3*sin(y)')",
                           timeout=CHANGE_TIMEOUT_MS)
    assert page.locator(EXCEPTION).count() == 0
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(artifacts / "playground-own-function.png"), full_page=True)


def test_a_schedule_is_drawn_under_the_loss_curves(page, app_url, artifacts):
    _open(page, app_url + "/?optimizers=gd,momentum,adam&adam.schedule=warmup_cosine:warmup=15,T_max=135,"
                          "start_factor=0.1,eta_min=0&gd.schedule=step:step_size=40,gamma=0.5")
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')]"
                           ".some(p => (p._fullData || []).some(t => t.meta === 'lr'))",
                           timeout=CHANGE_TIMEOUT_MS)
    assert page.locator(EXCEPTION).count() == 0
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(artifacts / "playground-schedules.png"), full_page=True)
    page.get_by_text("Learning-rate schedules").first.click()
    warmup = page.locator(f'input[aria-label="{get_schedule("warmup_cosine").params[0].label}"]')
    warmup.scroll_into_view_if_needed(timeout=CHANGE_TIMEOUT_MS)
    assert warmup.input_value() == "15"  # the URL's value, in Adam's picker
    page.screenshot(path=str(artifacts / "playground-schedule-pickers.png"))


def test_sections_drawn_on_opening_show_their_controls(page, app_url):
    """The "More" hyperparameters, the export options and the explanations are drawn only when asked for:
    opening each shows its controls, with the values the link set."""
    _open(page, f"{app_url}/?optimizers=gd,momentum&momentum.momentum=0.5")
    momentum = page.locator('input[type="range"][aria-label="momentum μ"]')
    assert momentum.count() == 0
    page.get_by_text("More: momentum μ").click()
    momentum.wait_for(timeout=CHANGE_TIMEOUT_MS)
    assert momentum.get_attribute("aria-valuetext") == "0.5"
    page.get_by_text("Export for a lecture").click()
    page.get_by_role("button", name="Prepare GIF").wait_for(timeout=CHANGE_TIMEOUT_MS)
    page.get_by_role("radio", name=OPTIMIZERS["momentum"].title).click()
    shows_rule = "rule => [...document.querySelectorAll('annotation')].some(a => a.textContent.includes(rule))"
    page.wait_for_function(shows_rule, arg=OPTIMIZERS["momentum"].latex.strip(), timeout=CHANGE_TIMEOUT_MS)
    assert page.locator(EXCEPTION).count() == 0


def test_sliders_that_come_back_show_their_own_values(page, app_url):
    """Switching "same for all" on and off again: each optimizer's slider shows its own value, not the lowest."""
    _open(page, f"{app_url}/?optimizers=gd,adam&gd.lr=0.05&adam.lr=0.2")
    same = page.get_by_text("Same hyperparameters for all")
    rates = page.locator(LR_SLIDER)
    same.click()
    page.wait_for_function(f"() => document.querySelectorAll('{LR_SLIDER}').length === 1", timeout=CHANGE_TIMEOUT_MS)
    same.click()
    page.wait_for_function(f"() => document.querySelectorAll('{LR_SLIDER}').length === 2", timeout=CHANGE_TIMEOUT_MS)
    assert [rates.nth(i).get_attribute("aria-valuetext") for i in range(2)] == ["0.05", "0.2"]
