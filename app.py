"""Descent Lab: watch deep-learning optimizers descend loss surfaces. Run with ``streamlit run app.py``.

This file has two roles. ``streamlit run`` finds the ``st.App`` at the bottom and serves it: the server first
loads the heavy libraries and the playground's kernels (``ui.server_start``), then answers; beside Streamlit's
routes it serves the live chart's families (``ui.family_route``). Each session runs this same file as its script
(``__name__ == "__main__"``, as under ``AppTest``): it sets up the page and the navigation; each page lives in
``ui/`` and exposes ``render()``.

Every page is imported here, not when first opened: each session runs this file in a thread of its own, and
passes these imports, waiting for another session's thread to complete them, before it draws. They come right
after the request for the charting library (``ui.chart_library``): on a fresh server the first session
imports them while the browser downloads and parses it.
"""
from __future__ import annotations

import streamlit as st

# A Material icon: an emoji's check builds Streamlit's emoji pattern on the process's first run (60 ms).
PAGE_ICON = ":material/landscape:"
PLAYGROUND_PATH = "playground"  # the default page: its charts are the app's components (ui/live_paths.py)


def _page(module):
    """A page callable that runs ``module.render()`` and then lets the heap settle after its first run."""
    def open_page() -> None:
        module.render()
        heap.settle_after_first_run(module.__name__)
    open_page.__name__ = f"page_{module.__name__.rsplit('.', 1)[-1]}"
    return open_page


def main() -> None:
    pages = [st.Page(_page(module), title=title, icon=icon, url_path=path, default=index == 0)
             for index, (module, title, icon, path) in enumerate(PAGES)]
    st.navigation(pages).run()
    early_chart.empty()  # the page has rendered: the tiny chart has done its work
    with st.sidebar:
        url_history.replace_query_pushes()


if __name__ == "__main__":  # a session's run of this script
    from ui import chart_library

    st.set_page_config(page_title="Descent Lab", page_icon=PAGE_ICON, layout="wide")
    early_chart = chart_library.request_early(component_paths=("", PLAYGROUND_PATH))

    from ui import heap, mnist_page, playground, stability_page, url_history  # (see the docstring)

    # (page module, title, icon, url path). Add a page by adding a line here.
    PAGES = (
        (playground, "Playground", ":material/stacked_line_chart:", PLAYGROUND_PATH),
        (mnist_page, "MNIST", ":material/grid_view:", "mnist"),
        (stability_page, "Stability map", ":material/grid_on:", "stability"),
    )
    main()
else:  # the server's import of this file (``streamlit run app.py`` finds the st.App below and serves it)
    from ui import family_route, server_start

    app = st.App(__file__, lifespan=server_start.lifespan, routes=family_route.ROUTES)
