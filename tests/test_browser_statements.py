"""What a person sees in the playground is what it does (Debian's Chromium via Playwright): the optimizer
picker offers no "Select all" it could not honour."""
from __future__ import annotations

import pytest

from optimizers.registry import OPTIMIZERS
from tests.test_browser import CHANGE_TIMEOUT_MS, _open, page  # noqa: F401  (page is a fixture)

pytestmark = pytest.mark.browser

OPTION = '[role="option"]'


def test_the_optimizer_picker_offers_no_select_all(page, app_url):  # noqa: F811
    _open(page, f"{app_url}/?optimizers=gd")
    page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"] input').first.click()
    options = page.locator(OPTION)
    options.first.wait_for(timeout=CHANGE_TIMEOUT_MS)
    texts = options.all_inner_texts()
    assert OPTIMIZERS["adam"].short_title in texts  # the list is open
    assert not [t for t in texts if "select all" in t.lower()], texts
