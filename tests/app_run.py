"""Running the playground under Streamlit's AppTest, and reading what it draws (charts, paths, tables)."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from ui import live_paths
from viz.figures import PATH_META

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 60  # seconds: the first run may load the Numba kernels from the on-disk cache


def _run(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    return _ok(at.run())


def _ok(at: AppTest) -> AppTest:
    """``at`` after a run, checked for exceptions: the page must never show a traceback."""
    assert not at.exception, [e.value for e in at.exception]
    return at


def _decode(array) -> np.ndarray:
    """A Plotly spec array: a plain list, or a typed array {"dtype", "bdata"} as Plotly sends numpy data."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"]))
    return np.asarray(array, dtype=float)


def _chart(at: AppTest, key: str) -> dict:
    """The Plotly spec of the chart with user key ``key`` (AppTest has no Plotly element type)."""
    chart = next(c for c in at.get("plotly_chart") if key in c.proto.id)
    return json.loads(chart.proto.spec)


def _live(at: AppTest) -> dict:
    """The data of the live map-and-loss component (AppTest shows custom components as unknown elements)."""
    return json.loads(next(c for c in at.get("bidi_component") if live_paths.COMPONENT_KEY in c.proto.id).proto.bytes)


def _player(at: AppTest, kind: str) -> dict:
    """The data of the step player of ``kind`` ("animation", "multiples" or "3d"), sent as UTF-8 JSON bytes."""
    return json.loads(next(c for c in at.get("bidi_component") if f"player_{kind}" in c.proto.id).proto.bytes)


def _paths(at: AppTest) -> dict[str, np.ndarray]:
    """Label → drawn (x, y) points of every optimizer path on the map."""
    traces = _live(at)["map"]["data"]
    return {t["name"]: np.column_stack([_decode(t["x"]), _decode(t["y"])])
            for t in traces if t.get("meta") == PATH_META}


def _shown(slider) -> str:
    """The option a select slider shows in the browser: the value the server sends with ``set_value``, else
    the element's default (the value it holds in session state is not sent on its own)."""
    proto = slider.proto
    return proto.raw_value[0] if proto.set_value else proto.options[int(proto.default[0])]


def _numbers_rows(at: AppTest) -> list[str]:
    """The body rows of the numbers table (a Markdown table under the "Numbers" heading)."""
    table = next(m.value for m in at.markdown if m.value.startswith("| optimizer"))
    return table.splitlines()[2:]
