"""Back and Forward in a real browser: one history entry per page, and the page matches the address bar.

A page writes its controls into the URL on every change; those writes replace the tab's history entry
(``ui.url_history``), so Back leaves the page instead of undoing one slider move, and lands on a page that
shows what its address says.
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from optimizers.registry import OPTIMIZERS
from tests.mnist_files import needs_mnist

pytestmark = pytest.mark.browser

RENDER_TIMEOUT_MS = 120_000  # a cold start may load the Numba kernels and compile the parallel sweep
CHANGE_TIMEOUT_MS = 30_000
VIEWPORT = {"width": 1440, "height": 900}
STABILITY_PATH, MNIST_PATH = "stability", "mnist"  # url paths in app.py's navigation
HEATMAP = ".js-plotly-plot g.hm"
STABILITY_COLOURING, STABILITY_COLOURING_VALUE = "Outcome", "outcome"  # a choice of "Colour cells by"
MNIST_SCHEDULES = "Hyperparameters and learning-rate schedules"  # the MNIST page's expander
COSINE_PERIOD = "steps to the lowest rate"  # the cosine schedule's T_max input
EXCEPTION = '[data-testid="stException"]'
# JavaScript: the open list of choices shows the given one alone.
ONLY_OPTION = "name => { const o = [...document.querySelectorAll('[role=option]')]; " \
              "return o.length === 1 && o[0].innerText.trim() === name; }"
# JavaScript: true once the page's script run has finished (Streamlit marks its state on the app's root).
IDLE = "() => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning'"
VIEW_LABELS = {"paths": "Map & loss", "animation": "Animation", "multiples": "Side by side"}
# JavaScript: the label of the checked option of the playground's view picker, or null before it is drawn.
CHECKED_VIEW = """() => {
    const labels = Object.values(LABELS);
    for (const input of document.querySelectorAll('input[type=radio]:checked')) {
        const text = input.closest('label').innerText.trim();
        if (labels.includes(text)) return text;
    }
    return null;
}""".replace("LABELS", str(VIEW_LABELS))


def _wait_for_schedule(page, value: str) -> None:
    page.wait_for_function(f"() => new URL(location.href).searchParams.get('mnist_adam.schedule') === {value!r}",
                           timeout=CHANGE_TIMEOUT_MS)


def _query(page) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlparse(page.url).query).items()}


def _pick_view(page, view: str) -> None:
    page.locator("label").filter(has_text=VIEW_LABELS[view]).first.click()
    page.wait_for_function(f"() => new URL(location.href).searchParams.get('view') === '{view}'",
                           timeout=CHANGE_TIMEOUT_MS)


def _shows_view(page, view: str) -> None:
    page.wait_for_function(f"() => ({CHECKED_VIEW})() === {VIEW_LABELS[view]!r}", timeout=CHANGE_TIMEOUT_MS)


def test_changes_replace_the_entry_and_back_and_forward_go_from_page_to_page(page, app_url):
    page.goto(f"{app_url}/?surface=bowl&view=animation")
    _shows_view(page, "animation")
    entries = page.evaluate("history.length")

    for view in ("multiples", "paths", "animation"):
        _pick_view(page, view)
    assert page.evaluate("history.length") == entries, "a change of view added a history entry"
    assert _query(page)["surface"] == "bowl"
    playground_query = _query(page)

    page.get_by_role("link", name="Stability map").click()
    page.locator(HEATMAP).first.wait_for(timeout=RENDER_TIMEOUT_MS)
    assert page.evaluate("history.length") == entries + 1, "opening another page adds one entry"
    page.get_by_text(STABILITY_COLOURING, exact=True).click()
    page.wait_for_function(f"() => location.search.includes('color={STABILITY_COLOURING_VALUE}')",
                           timeout=CHANGE_TIMEOUT_MS)
    assert page.evaluate("history.length") == entries + 1, "a change on the stability map added an entry"
    stability_url = page.url

    page.go_back()
    page.wait_for_function(f"() => !location.pathname.endsWith('/{STABILITY_PATH}')", timeout=CHANGE_TIMEOUT_MS)
    _shows_view(page, "animation")
    assert _query(page) == playground_query, "Back restores the playground's last address"
    assert page.locator(EXCEPTION).count() == 0

    page.go_forward()
    page.locator(HEATMAP).first.wait_for(timeout=RENDER_TIMEOUT_MS)
    checked = page.get_by_role("radio", name=STABILITY_COLOURING)
    checked.wait_for(timeout=CHANGE_TIMEOUT_MS)
    page.wait_for_function(f"() => [...document.querySelectorAll('input[type=radio]:checked')]"
                           f".some(e => e.closest('label').innerText.trim() === {STABILITY_COLOURING!r})",
                           timeout=CHANGE_TIMEOUT_MS)
    assert page.url == stability_url, "Forward restores the stability map's last address"
    assert page.locator(EXCEPTION).count() == 0


@needs_mnist
def test_the_mnist_pages_settings_go_into_the_url_without_new_entries(page, app_url):
    page.goto(f"{app_url}/{MNIST_PATH}?mnist_epochs=2&mnist_adam.schedule=cosine:T_max=7")
    epochs = page.get_by_label("Epochs")
    page.get_by_role("button", name="Train", exact=True).wait_for(timeout=RENDER_TIMEOUT_MS)
    page.wait_for_function(IDLE, timeout=RENDER_TIMEOUT_MS)  # the page has loaded
    assert epochs.input_value() == "2"
    entries = page.evaluate("history.length")
    epochs.fill("4")
    epochs.press("Enter")
    page.wait_for_function("() => new URL(location.href).searchParams.get('mnist_epochs') === '4'",
                           timeout=CHANGE_TIMEOUT_MS)
    _wait_for_schedule(page, "cosine:T_max=7,eta_min=0")  # the page's own parameter, beside the bound ones
    page.get_by_text(MNIST_SCHEDULES, exact=False).click()
    period = page.get_by_role("spinbutton", name=COSINE_PERIOD, exact=True)
    assert period.input_value() == "7"
    period.fill("9")
    period.press("Enter")
    _wait_for_schedule(page, "cosine:T_max=9,eta_min=0")
    assert _query(page)["mnist_epochs"] == "4"
    lion = OPTIMIZERS["lion"].short_title
    page.wait_for_function(IDLE, timeout=CHANGE_TIMEOUT_MS)  # a run drawing the page could close the list
    page.get_by_role("combobox", name="Optimizers").click()
    # Typed, not clicked: on a loaded machine a click in the list while it scrolls to the option can go nowhere.
    page.keyboard.type(lion)
    page.wait_for_function(ONLY_OPTION, arg=lion, timeout=CHANGE_TIMEOUT_MS)
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => new URL(location.href).searchParams.getAll('mnist_optimizers').includes('{lion}')",
                           timeout=CHANGE_TIMEOUT_MS)
    assert page.evaluate("history.length") == entries
    page.reload()
    page.get_by_label("Epochs").wait_for(timeout=RENDER_TIMEOUT_MS)
    assert page.get_by_label("Epochs").input_value() == "4"
    page.get_by_text(MNIST_SCHEDULES, exact=False).click()
    page.get_by_role("spinbutton", name=COSINE_PERIOD, exact=True).wait_for(timeout=CHANGE_TIMEOUT_MS)
    assert page.get_by_role("spinbutton", name=COSINE_PERIOD, exact=True).input_value() == "9"


@needs_mnist
def test_back_from_the_mnist_page_shows_the_playground_its_address_names(page, app_url):
    page.goto(f"{app_url}/?surface=bowl&view=multiples")
    _shows_view(page, "multiples")
    page.get_by_role("link", name="MNIST").click()
    page.get_by_role("button", name="Train", exact=True).wait_for(timeout=RENDER_TIMEOUT_MS)
    page.go_back()
    _shows_view(page, "multiples")
    assert _query(page)["surface"] == "bowl"
