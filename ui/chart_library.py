"""Start the browser's download of the charting library before the page's own work begins.

The browser fetches and parses plotly.js only when the first chart arrives. Every page draws charts, so on a
session's first run the library is asked for before the page renders: the download and parse then overlap
the server's computing instead of following it. The playground draws with the app's components, which use
plotly.js's basic bundle (``ui.front_end``): for it a loader component that draws nothing goes out. The other
pages draw with ``st.plotly_chart``, whose full bundle (four times the parse time) a tiny empty chart asks for.

Sessions run in threads of one process, and when a class opens the link at once, the first session's thread
is still importing while others start drawing. Python's import lock makes a thread that imports a module wait
until it is complete, but Plotly looks NumPy, pandas and PIL up in ``sys.modules`` without importing them, on
every figure it builds or serialises, and a module another thread is still importing is already listed there,
half initialised ("partially initialized module 'numpy' has no attribute ..."). This module imports them
(``PLOTLY_LOOKS_UP``) before any session can build a figure: the app imports it at the top, so every session
passes this import, and waits for it to complete, before it draws.
"""
from __future__ import annotations

import importlib
from urllib.parse import urlparse

import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from ui import front_end
from viz.figures import PLOTLY_LOOKS_UP

REQUESTED_KEY = "_chart_library_requested"  # session state: the first run has sent the tiny chart
PLACEHOLDER_HEIGHT = 10  # pixels: Plotly's smallest figure height
LOADER_HEIGHT = 1  # pixels: the loader draws nothing

for _module in PLOTLY_LOOKS_UP:
    importlib.import_module(_module)


def request_early(component_paths: tuple[str, ...]) -> DeltaGenerator:
    """On a session's first run, ask for the charting library of the page the address names: the
    components' bundle for the pages at ``component_paths`` (the last part of the address's path, "" for the
    default page), Streamlit's for the others. The returned slot holds the request until the page, once
    rendered, empties it.

    The slot exists on every run, empty after the first: the page's elements keep their positions, so the
    browser keeps their state (the open tab, an expanded section) from one run to the next.
    """
    slot = st.empty()
    if not st.session_state.get(REQUESTED_KEY):
        st.session_state[REQUESTED_KEY] = True
        if _page_path() in component_paths:
            with slot:
                front_end.PLOTLY_LOADER(key="chart_library_loader", data=dict(plotly=front_end.PLOTLY_URL),
                                        height=LOADER_HEIGHT)
        else:
            slot.plotly_chart(go.Figure(layout=dict(height=PLACEHOLDER_HEIGHT)), height=PLACEHOLDER_HEIGHT,
                              key="chart_library_placeholder")
    return slot


def _page_path() -> str:
    """The last part of the address's path: a page's url path, or "" for the default page."""
    return urlparse(st.context.url or "").path.rstrip("/").rsplit("/", 1)[-1]
