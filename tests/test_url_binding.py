"""Why the pages keep their own URL codec rather than ``bind="query-params"`` (see ``ui.url_codec``).

These run the reasons against the installed Streamlit: a bound widget drops a value it cannot use without a
note, cannot read the links the playground gives out, and ``st.query_params.from_dict`` — how the pages write
their URL — wipes a bound parameter. An upgrade that changes any of this fails here, and binding can be
reconsidered.
"""
import ast

import pytest
from streamlit.testing.v1 import AppTest

from ui import playground_url, state

# A bound widget per kind of control the playground has, keyed by its URL name, showing its value.
BOUND = '''
import streamlit as st
views = {"paths": "Map & loss", "animation": "Animation"}
shown = {
    "speed": st.radio("Speed", ["slow", "normal", "fast"], key="speed", bind="query-params"),
    "view": st.radio("View", list(views), key="view", format_func=views.get, bind="query-params"),
    "optimizers": st.multiselect("Optimizers", ["gd", "momentum", "adam"], default=["gd"], key="optimizers",
                                 bind="query-params"),
    "3d": st.toggle("3D", key="3d", bind="query-params"),
    "noise": st.select_slider("Noise", [0.0, 0.01, 0.05, 0.1], key="noise", format_func=lambda v: f"{v:g}",
                              bind="query-params"),
}
st.text(repr(shown))
'''
WRITES_WITH_FROM_DICT = '''
import streamlit as st
st.slider("Bound", 0, 10, 0, key="bound", bind="query-params")
st.query_params.from_dict({"written": "1"})
'''


def _bound_values(**params: str) -> tuple[dict, AppTest]:
    at = AppTest.from_string(BOUND)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception
    return ast.literal_eval(at.text[0].value), at


def test_a_bound_widget_drops_a_bad_value_without_a_word():
    shown, at = _bound_values(speed="warp")
    assert shown["speed"] == "slow" and "speed" not in at.query_params
    assert not (at.info or at.warning or at.error or at.toast)
    values, notes = playground_url.decode({"speed": "warp"})
    assert values[state.SPEED] == "normal" and notes  # the codec says what it did instead


@pytest.mark.parametrize("name, link_value", [
    ("view", "animation"),  # bound: expects the label, "Animation"
    ("optimizers", "gd,adam"),  # bound: expects optimizers=gd&optimizers=adam
    ("3d", "1"),  # bound: expects true/false
    ("noise", "0.07"),  # bound: refuses a value between options; the codec takes the nearest, with a note
])
def test_a_bound_widget_cannot_read_the_links_the_playground_gives_out(name, link_value):
    shown, _ = _bound_values(**{name: link_value})
    decoded, _ = playground_url.decode({name: link_value})
    key = {"view": state.VIEW, "optimizers": state.OPTIMIZERS_KEY, "3d": state.THREE_D, "noise": state.NOISE}[name]
    assert shown[name] != decoded[key]


def test_writing_the_url_with_from_dict_wipes_a_bound_parameter():
    at = AppTest.from_string(WRITES_WITH_FROM_DICT)
    at.query_params["bound"] = "3"
    at.run()
    assert at.slider(key="bound").value == 3
    assert dict(at.query_params) == {"written": "1"}
