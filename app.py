"""Descent Lab: watch deep-learning optimizers descend loss surfaces. Run with ``streamlit run app.py``.

This file only sets up the page and the navigation; each page lives in ``ui/`` and exposes ``render()``.
Pages are imported when opened, so a page that is missing or broken never takes the others down.
"""
from __future__ import annotations

import importlib

import streamlit as st

from ui import chart_library, heap

# (module in ui/, title, icon, url path). Add a page by adding a line here.
PAGES = (
    ("ui.playground", "Playground", ":material/stacked_line_chart:", "playground"),
    ("ui.mnist_page", "MNIST", ":material/grid_view:", "mnist"),
    ("ui.stability_page", "Stability map", ":material/grid_on:", "stability"),
)


def _page(module_name: str, title: str):
    """A page callable that imports ``module_name`` when the page is opened and calls its ``render()``."""
    def open_page() -> None:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            st.info(f"The {title} page is not available in this installation.")
            return
        module.render()
        heap.settle_after_first_run(module_name)
    open_page.__name__ = f"page_{module_name.rsplit('.', 1)[-1]}"
    return open_page


def main() -> None:
    st.set_page_config(page_title="Descent Lab", page_icon="⛰️", layout="wide")
    pages = [st.Page(_page(module, title), title=title, icon=icon, url_path=path, default=index == 0)
             for index, (module, title, icon, path) in enumerate(PAGES)]
    with chart_library.loading_early():
        st.navigation(pages).run()


main()
