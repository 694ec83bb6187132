"""One history entry per page, not per slider move.

Every page mirrors its controls in the URL (:mod:`ui.links`), and Streamlit records each new query string as a
browser history entry: Back then walks back through every slider move, and a link copied after Back can name
another view than the page shows. The script in ``frontend/url_history.js``, installed in the tab before a page
writes its URL, makes such a write replace the current entry; moving to another page still adds one, so Back
and Forward go from page to page, and the page shows what the address bar says (:func:`ui.links.following_the_address`).
"""
from __future__ import annotations

from ui import front_end

KEY = "url_history"
REPLACE_QUERY_PUSHES = front_end.component("descent_url_history", ("url_history.js",))


def replace_query_pushes() -> None:
    """Install the script in the browser tab (a no-op after the first run: the element stays the same)."""
    REPLACE_QUERY_PUSHES(key=KEY)
