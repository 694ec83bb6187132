"""numpy arrays in a figure's dicts as plotly.js typed arrays ({dtype, bdata, shape}), as plotly.py sends them.

plotly.py's ``convert_to_base64`` asks of every array whether a dataframe library (through narwhals) owns it
before encoding it (0.3 ms an array), and of every key of every dict whether it is one not to convert (a scan
of a list per key): together most of the time a new learning rate's live figures take to write. The figures
built here hold numpy arrays, whose spec is written directly, with plotly.py's own rules: its type names, and
64-bit integers narrowed to the smallest type that holds their values (plotly.js has no 64-bit integers). Any
other array (empty, or of a type plotly.js cannot take) goes through plotly.py's own encoder.
"""
from __future__ import annotations

import base64

import numpy as np
from _plotly_utils.utils import plotlyjsShortTypes, to_typed_array_spec

SKIPPED_KEYS = frozenset(("geojson", "layer", "layers", "range"))  # never converted (plotly.py's is_skipped_key)
# What plotly.py narrows 64-bit integers to, smallest first.
NARROWER = {np.dtype("int64"): ("int8", "int16", "int32"), np.dtype("uint64"): ("uint8", "uint16", "uint32")}


def to_typed_arrays(node) -> None:
    """Every numpy array held under a key of a dict in ``node`` (nested dicts, lists and tuples) replaced by
    its typed-array spec, in place, where plotly.py's ``convert_to_base64`` replaces one."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in SKIPPED_KEYS:
                continue
            if isinstance(value, np.ndarray):
                node[key] = array_spec(value)
            elif isinstance(value, (dict, list, tuple)):
                to_typed_arrays(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            if isinstance(value, (dict, list, tuple)):
                to_typed_arrays(value)


def array_spec(values: np.ndarray):
    """The typed-array spec of a numpy array, as ``to_typed_array_spec`` writes it."""
    if values.size and values.dtype in NARROWER:
        low, high = values.min(), values.max()
        fitting = next((t for t in NARROWER[values.dtype] if np.iinfo(t).min <= low and high <= np.iinfo(t).max),
                       None)
        values = values if fitting is None else values.astype(fitting)
    type_name = plotlyjsShortTypes.get(str(values.dtype))
    if type_name is None or not values.size:
        return to_typed_array_spec(values)
    spec = dict(dtype=type_name, bdata=base64.b64encode(np.ascontiguousarray(values)).decode("ascii"))
    if values.ndim > 1:
        spec["shape"] = str(values.shape)[1:-1]
    return spec
