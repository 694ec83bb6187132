"""The figures' own typed-array encoder writes what plotly.py's ``convert_to_base64`` writes."""
import copy

import numpy as np
from _plotly_utils.utils import convert_to_base64

from viz.typed_arrays import to_typed_arrays


def test_same_specs_as_plotly():
    rng = np.random.default_rng(0)
    grid = rng.normal(size=(6, 4))
    figure = dict(
        data=[dict(x=grid[:, 0].astype(np.float32), y=grid[:, 1], customdata=grid[::2, ::-1],
                   z=np.arange(5, dtype=np.int64), marker=dict(color=[1.0, np.float64(2.0)]),
                   hovertemplate=["a", "b"])],
        layout=dict(images=[dict(source="data:", x=0.5)], xaxis=dict(range=np.array([0.0, 1.0]))))
    expected = copy.deepcopy(figure)
    convert_to_base64(expected)
    to_typed_arrays(figure)
    assert repr(figure) == repr(expected)
    assert figure["data"][0]["customdata"]["shape"] == "3, 4"
