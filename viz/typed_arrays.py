"""numpy arrays in a figure's dicts as plotly.js typed arrays ({dtype, bdata, shape}), as plotly.py sends them.

plotly.py's ``convert_to_base64`` asks of every array whether a dataframe library (through narwhals) owns it
before encoding it: 0.3 ms an array, most of the time a new learning rate's live figures take to write. The
figures built here hold float arrays from numpy, whose spec is written directly; any other array goes through
plotly.py's own encoder.
"""
from __future__ import annotations

import base64

import numpy as np
from _plotly_utils.utils import is_skipped_key, to_typed_array_spec

FLOAT_TYPES = {np.dtype("float32"): "f4", np.dtype("float64"): "f8"}  # plotly.js's names of the types


def to_typed_arrays(node) -> None:
    """Every numpy array held under a key of a dict in ``node`` (nested dicts, lists and tuples) replaced by
    its typed-array spec, in place, where plotly.py's ``convert_to_base64`` replaces one."""
    if isinstance(node, dict):
        for key, value in node.items():
            if is_skipped_key(key):
                continue
            if isinstance(value, np.ndarray):
                node[key] = float_array_spec(value) if value.dtype in FLOAT_TYPES else to_typed_array_spec(value)
            elif isinstance(value, (dict, list, tuple)):
                to_typed_arrays(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            if isinstance(value, (dict, list, tuple)):
                to_typed_arrays(value)


def float_array_spec(values: np.ndarray) -> dict:
    """The typed-array spec of a float32/float64 array, as ``to_typed_array_spec`` writes it."""
    spec = dict(dtype=FLOAT_TYPES[values.dtype],
                bdata=base64.b64encode(np.ascontiguousarray(values)).decode("ascii"))
    if values.ndim > 1:
        spec["shape"] = str(values.shape)[1:-1]
    return spec
