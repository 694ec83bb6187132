"""The app's own front-end pieces: ``st.components.v2`` components built from the scripts in ``ui/frontend/``,
and plotly.js served to them as a static file.

An inline component's script is one module, so a component is given its parts in order: each part uses only
what comes before it, and the last one holds the module's default export.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

import plotly
import streamlit as st

FRONTEND = Path(__file__).resolve().parent / "frontend"
APP_STATIC = Path(__file__).resolve().parent.parent / "static"  # served at /app/static/ (server config)
PLOTLY_FILE = "plotly.min.js"
PLOTLY_URL = f"/app/static/{PLOTLY_FILE}"


def component(name: str, script_parts: tuple[str, ...], stylesheet: str | None = None):
    """The component ``name`` running ``script_parts`` (files in ``ui/frontend/``, joined in order), styled by
    ``stylesheet`` (a file there too). Styles are not isolated: Plotly's own stylesheet lives in the document
    head and must reach the charts."""
    return st.components.v2.component(
        name, html="", css=None if stylesheet is None else (FRONTEND / stylesheet).read_text(encoding="utf-8"),
        js="\n".join((FRONTEND / part).read_text(encoding="utf-8") for part in script_parts),
        isolate_styles=False)


@st.cache_resource(show_spinner=False)
@functools.cache
def plotly_asset() -> str:
    """Put the ``plotly`` package's own plotly.min.js into the app's static folder (a hard link, or a copy
    across file systems) and return its URL, once per process. The browser caches it; no page sends it
    inline."""
    source = Path(plotly.__file__).resolve().parent / "package_data" / PLOTLY_FILE
    target = APP_STATIC / PLOTLY_FILE
    if not target.exists() or target.stat().st_size != source.stat().st_size:
        APP_STATIC.mkdir(exist_ok=True)
        target.unlink(missing_ok=True)
        try:
            os.link(source, target)
        except OSError:
            target.write_bytes(source.read_bytes())
    return PLOTLY_URL
