"""The stability-map page in a real browser: the heatmap renders, no exception shows, and a click loads a cell.

Uses the shared fixtures of ``tests/conftest.py``: the real app under ``streamlit run app.py`` and Debian's
Chromium through Playwright (skipped with the reason when missing, a failure in CI). Screenshots of the page
go to artifacts/ for people to look at.
"""
from __future__ import annotations

import pytest

from tests.conftest import CHART_MARGINS

pytestmark = pytest.mark.browser

PAGE_PATH = "stability"  # the page's url path in app.py's navigation
RENDER_TIMEOUT_MS = 120_000  # a cold start may compile the parallel sweep kernel first
VIEWPORT = {"width": 1400, "height": 1800}
CLICKED_CAPTION = "Showing the cell you clicked"


def test_the_map_renders_and_a_click_loads_a_cell(chromium, app_url, artifacts):
    page = chromium.new_page(viewport=VIEWPORT)
    page.goto(f"{app_url}/{PAGE_PATH}")
    heatmap = page.locator(".js-plotly-plot g.hm").first
    heatmap.wait_for(timeout=RENDER_TIMEOUT_MS)
    page.get_by_text("Showing the best cell").wait_for(timeout=RENDER_TIMEOUT_MS)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.wait_for_load_state("networkidle")
    for asked, drawn in page.evaluate(CHART_MARGINS):
        assert drawn == asked, "a chart grew its margins: Plotly drew it twice"
    page.screenshot(path=str(artifacts / "stability_page.png"), full_page=True)

    # Click the left third of the map (small learning rates: a stable cell) and wait for the path view.
    plot_area = page.locator(".js-plotly-plot .nsewdrag").first.bounding_box()
    page.mouse.click(plot_area["x"] + plot_area["width"] / 3, plot_area["y"] + plot_area["height"] / 2)
    page.get_by_text(CLICKED_CAPTION).wait_for(timeout=RENDER_TIMEOUT_MS)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(artifacts / "stability_page_clicked.png"), full_page=True)
    page.close()


def test_the_fan_and_the_tuning_tabs_render(chromium, app_url, artifacts):
    page = chromium.new_page(viewport=VIEWPORT)
    page.goto(f"{app_url}/{PAGE_PATH}")
    page.locator(".js-plotly-plot g.hm").first.wait_for(timeout=RENDER_TIMEOUT_MS)
    page.get_by_role("tab", name="Fan of 8 learning rates").click()
    fan = page.get_by_role("tabpanel").filter(has=page.locator(".js-plotly-plot"))
    fan.first.wait_for(timeout=RENDER_TIMEOUT_MS)
    page.get_by_role("tab", name="Tune (fair comparison)").click()
    page.get_by_role("button", name="Tune learning rates").click()
    page.get_by_text("Tuned learning rates", exact=True).wait_for(timeout=RENDER_TIMEOUT_MS)
    page.locator("[data-testid=stDataFrame], [data-testid=stTable]").first.wait_for(timeout=RENDER_TIMEOUT_MS)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(artifacts / "stability_tune.png"), full_page=True)
    page.close()
