"""Descent Lab: watch deep-learning optimizers descend loss surfaces. Run with ``streamlit run app.py``.

This file only sets up the page and the navigation; each page lives in ``ui/`` and exposes ``render()``.
Every page is imported here, at the top, not when first opened: each session runs this file in a thread of
its own, and passes these imports, waiting for another session's thread to complete them, before it draws.
"""
from __future__ import annotations

import streamlit as st

from ui import chart_library, heap, mnist_page, playground, stability_page, url_history

# (page module, title, icon, url path). Add a page by adding a line here.
PAGES = (
    (playground, "Playground", ":material/stacked_line_chart:", "playground"),
    (mnist_page, "MNIST", ":material/grid_view:", "mnist"),
    (stability_page, "Stability map", ":material/grid_on:", "stability"),
)


def _page(module):
    """A page callable that runs ``module.render()`` and then lets the heap settle after its first run."""
    def open_page() -> None:
        module.render()
        heap.settle_after_first_run(module.__name__)
    open_page.__name__ = f"page_{module.__name__.rsplit('.', 1)[-1]}"
    return open_page


def main() -> None:
    st.set_page_config(page_title="Descent Lab", page_icon="⛰️", layout="wide")
    pages = [st.Page(_page(module), title=title, icon=icon, url_path=path, default=index == 0)
             for index, (module, title, icon, path) in enumerate(PAGES)]
    with chart_library.loading_early():
        st.navigation(pages).run()
    with st.sidebar:
        url_history.replace_query_pushes()


main()
