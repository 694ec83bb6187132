"""The app's own front-end pieces: ``st.components.v2`` components built from the scripts in ``ui/frontend/``,
and the plotly.js they draw with.

A component's script is one module, so a component is given its parts in order: each part uses only what comes
before it, and the last one holds the module's default export. Streamlit sends a component's inline script with
every message that draws it (tens of KB, JSON-encoded and hashed on every slider move of every session), and
serves script files only for components of installed packages. So the joined script is published once per
process into the app's static folder, named by a hash of its content (a changed script gets a new address, and
a browser never runs a stale copy it cached), and the inline script sent each time is a loader of a few lines
that imports it: the browser fetches it once and keeps the module for the page's lifetime.

The live chart draws scatter traces over a layout image, so it loads plotly.js's basic bundle (scatter, bar, pie;
about a quarter of the full bundle's size and parse time), kept in ``static/`` (from the npm package
``plotly.js-basic-dist-min``). It shares its major release with the plotly.js the ``plotly`` package ships, whose
schema the figures follow (``tests/test_live_figures.py`` checks). The step player also draws 3D views and loads
that package's full bundle. Both are served from ``static/`` (``server.enableStaticServing``); charts drawn with
``st.plotly_chart`` use Streamlit's own full bundle.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import os
from pathlib import Path

import plotly
import streamlit as st

FRONTEND = Path(__file__).resolve().parent / "frontend"
APP_STATIC = Path(__file__).resolve().parent.parent / "static"  # served at app/static/ (server config)
STATIC_ROUTE = "app/static"


def server_path(path: str) -> str:
    """The address of ``path`` (a route of the server, without its leading slash) below ``server.baseUrlPath``:
    a course may serve the app below a path of its site, and its proxy then passes on only what is below it."""
    base = st.config.get_option("server.baseUrlPath").strip("/")
    return "/" + "/".join(part for part in (base, path) if part)


PLOTLY_FILE = "plotly-basic.min.js"
PLOTLY_URL = server_path(f"{STATIC_ROUTE}/{PLOTLY_FILE}")
PLOTLY_FULL_FILE = "plotly.min.js"
PUBLISHED = "components"  # the folder in static/ that holds the published component scripts
HASH_CHARACTERS = 16
# The inline module sent with each message: it runs the published script's default export. (The inline module
# runs from a blob: address, against which no path resolves, so the address is resolved against the page's.)
LOADER = """const SCRIPT = new URL({url!r}, document.baseURI).href;
export default async function (component) {{
  return (await import(SCRIPT)).default(component);
}}
"""


def component(name: str, script_parts: tuple[str, ...], stylesheet: str | None = None):
    """The component ``name`` running ``script_parts`` (files in ``ui/frontend/``, joined in order), styled by
    ``stylesheet`` (a file there too). Styles are not isolated: Plotly's own stylesheet lives in the document
    head and must reach the charts."""
    script = "\n".join((FRONTEND / part).read_text(encoding="utf-8") for part in script_parts)
    url = publish(name, script)
    return st.components.v2.component(
        name, html="", css=None if stylesheet is None else (FRONTEND / stylesheet).read_text(encoding="utf-8"),
        js=script if url is None else LOADER.format(url=url), isolate_styles=False)


def publish(name: str, script: str) -> str | None:
    """Put ``script`` into ``static/components/`` as ``name``-(hash of its content).js, replacing that
    component's earlier versions, and return its URL. Written whole under a temporary name, then renamed: a
    server starting beside another one never serves a partly written file.

    Returns None, with a warning in the server's log, where the folder cannot be written (an installation
    on a read-only disk): the component then carries its whole script in every message, as it works the same
    and only costs the server more per message."""
    try:
        return _write_published(name, script.encode("utf-8"))
    except OSError as error:
        logging.getLogger(__name__).warning("Sending %s's script inline: %s", name, error)
        return None


def _write_published(name: str, content: bytes) -> str:
    file_name = f"{name}-{hashlib.sha256(content).hexdigest()[:HASH_CHARACTERS]}.js"
    folder = APP_STATIC / PUBLISHED
    target = folder / file_name
    if not target.exists() or target.read_bytes() != content:
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{file_name}.{os.getpid()}"
        partial.write_bytes(content)
        os.replace(partial, target)
    for earlier in folder.glob(f"{name}-*.js"):
        if earlier != target:
            earlier.unlink(missing_ok=True)
    return server_path(f"{STATIC_ROUTE}/{PUBLISHED}/{file_name}")


@st.cache_resource(show_spinner=False)
@functools.cache
def plotly_full_asset() -> str:
    """Put the ``plotly`` package's own full plotly.min.js into the app's static folder (a hard link, or a
    copy across file systems) and return its URL, once per process. The browser caches it; no page sends it
    inline."""
    source = Path(plotly.__file__).resolve().parent / "package_data" / PLOTLY_FULL_FILE
    target = APP_STATIC / PLOTLY_FULL_FILE
    if not target.exists() or target.stat().st_size != source.stat().st_size:
        APP_STATIC.mkdir(exist_ok=True)
        target.unlink(missing_ok=True)
        try:
            os.link(source, target)
        except OSError:
            target.write_bytes(source.read_bytes())
    return server_path(f"{STATIC_ROUTE}/{PLOTLY_FULL_FILE}")


# Starts the browser's download of plotly.js (ui/chart_library.py); draws nothing.
PLOTLY_LOADER = component("descent_plotly_loader", ("plotly_setup.js", "plotly_loader.js"))
