"""Start the browser's download of the charting library before the page's own work begins.

The browser fetches and parses Plotly (several MB) only when the first chart arrives. Every page draws charts,
so on a session's first run a tiny empty chart goes out before the page renders: the download then
overlaps the server's computing, instead of starting after them and competing
with them for the server process. Measured on the playground's first load: 3.2 s → 2.4 s.

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

import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

REQUESTED_KEY = "_chart_library_requested"  # session state: the first run has sent the tiny chart
PLACEHOLDER_HEIGHT = 10  # pixels: Plotly's smallest figure height
# Modules Plotly's validators and JSON encoder look up in sys.modules instead of importing them.
PLOTLY_LOOKS_UP = ("numpy", "pandas", "PIL.Image")

for _module in PLOTLY_LOOKS_UP:
    importlib.import_module(_module)


def request_early() -> DeltaGenerator:
    """On a session's first run, send a tiny chart now; the returned slot holds it until the page empties it
    once rendered.

    The slot exists on every run, empty after the first: the page's elements keep their positions, so the
    browser keeps their state (the open tab, an expanded section) from one run to the next.
    """
    slot = st.empty()
    if not st.session_state.get(REQUESTED_KEY):
        st.session_state[REQUESTED_KEY] = True
        slot.plotly_chart(go.Figure(layout=dict(height=PLACEHOLDER_HEIGHT)), height=PLACEHOLDER_HEIGHT,
                          key="chart_library_placeholder")
    return slot
