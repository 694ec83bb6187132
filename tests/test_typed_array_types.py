"""The figures' typed-array encoder matches plotly.py's for every type plotly.js takes, and for the 64-bit
integers plotly.py narrows (to each width, and not at all when none holds the values)."""
import copy

import numpy as np
import pytest
from _plotly_utils.utils import convert_to_base64, is_skipped_key

from viz.typed_arrays import SKIPPED_KEYS, to_typed_arrays

TYPES = ["int8", "uint8", "int16", "uint16", "int32", "uint32", "float32", "float64", "bool"]
WIDE_VALUES = [[0, 127], [-129, 5], [0, 40_000], [0, 2**31 - 1], [-(2**31) - 1, 0], [2**40, 1]]


@pytest.mark.parametrize("values", [np.arange(6).astype(t).reshape(2, 3) for t in TYPES]
                         + [np.array(v, dtype=np.int64) for v in WIDE_VALUES]
                         + [np.array(v, dtype=np.uint64) for v in ([0, 255], [0, 256], [0, 2**32], [3])]
                         + [np.zeros(0), np.arange(10.0)[::3]], ids=repr)
def test_as_plotly_writes(values):
    figure = dict(data=[dict(x=values, hover=[dict(y=values)])], layout=dict(xaxis=dict(range=values)))
    expected = copy.deepcopy(figure)
    convert_to_base64(expected)
    to_typed_arrays(figure)
    assert repr(figure) == repr(expected)


def test_the_keys_left_alone_are_plotlys():
    keys = {"geojson", "layer", "layers", "range", "x", "y", "z", "customdata", "text", "marker", "line", "data"}
    assert {key for key in keys if is_skipped_key(key)} == SKIPPED_KEYS
