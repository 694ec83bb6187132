"""The reusable schedule picker: defaults scaled to the run, keys derived from the prefix, one-line errors."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from optimizers.schedules import SCHEDULES, get_schedule, run_defaults
from ui.schedule_picker import choice_key, param_key
from validation import ValidationError

STEPS = 1000
PICKED = "picked"  # session state: what each picker returned, by prefix
RUN_LENGTH_KEY = "steps"  # the test page's slider for the run length


def picker_script(prefixes: tuple[str, ...], steps: int) -> None:
    """A page with a run-length slider (starting at ``steps``) and one picker per prefix.

    AppTest runs this function's source on its own, out of reach of module constants: the literal keys are
    RUN_LENGTH_KEY and PICKED."""
    import streamlit as st

    from ui.schedule_picker import schedule_picker

    length = st.slider("updates", 1, 10 * steps, steps, key="steps")
    st.session_state["picked"] = {prefix: schedule_picker(prefix, length) for prefix in prefixes}


def picker_app(*prefixes: str, steps: int = STEPS) -> AppTest:
    app = AppTest.from_function(picker_script, kwargs=dict(prefixes=prefixes, steps=steps))
    app.run()
    assert not app.exception
    return app


def test_constant_by_default_without_parameters():
    app = picker_app("a")
    assert app.session_state[PICKED] == {"a": ("constant", {})}
    assert app.selectbox(key=choice_key("a")).options == [spec.title for spec in SCHEDULES.values()]
    assert SCHEDULES["constant"].explanation in [c.value for c in app.caption]
    assert not app.number_input


@pytest.mark.parametrize("schedule, expected", [
    ("step", {"step_size": 250.0, "gamma": 0.5}),
    ("cosine", {"T_max": 1000.0, "eta_min": 0.0}),
    ("warmup_cosine", {"warmup": 100.0, "T_max": 900.0, "start_factor": 0.1, "eta_min": 0.0}),
    ("inverse_time", {"k": 0.009}),
])
def test_defaults_are_scaled_to_the_run(schedule, expected):
    app = picker_app("a")
    app.selectbox(key=choice_key("a")).set_value(schedule).run()
    assert not app.exception and not app.error
    name, values = app.session_state[PICKED]["a"]
    assert name == schedule and values == pytest.approx(expected)


def test_exponential_decay_ends_the_run_at_a_tenth():
    gamma = run_defaults("exponential", STEPS)["gamma"]
    assert gamma ** STEPS == pytest.approx(0.1)


@pytest.mark.parametrize("steps", [0, 1, 7, 10**8])
def test_run_defaults_are_always_valid(steps):
    for name, spec in SCHEDULES.items():
        spec.validate(run_defaults(name, steps))  # raises on an invalid default


def test_edited_values_are_returned_and_pickers_are_independent():
    app = picker_app("a", "b")
    app.selectbox(key=choice_key("a")).set_value("step").run()
    app.number_input(key=param_key("a", "step", "step_size")).set_value(40).run()
    assert app.session_state[PICKED] == {"a": ("step", {"step_size": 40.0, "gamma": 0.5}), "b": ("constant", {})}


def test_an_invalid_value_is_one_error_line_and_returned_as_entered():
    app = picker_app("a")
    app.selectbox(key=choice_key("a")).set_value("exponential").run()
    app.number_input(key=param_key("a", "exponential", "gamma")).set_value(0.0).run()
    assert not app.exception
    assert [e.value for e in app.error] == ["factor per step γ must be in (0, 1], got 0"]
    assert app.session_state[PICKED]["a"] == ("exponential", {"gamma": 0.0})
    with pytest.raises(ValidationError):
        get_schedule("exponential").validate({"gamma": 0.0})  # so the caller refuses it too


def test_a_new_run_length_brings_new_defaults_but_keeps_what_the_user_set():
    app = picker_app("a")
    app.selectbox(key=choice_key("a")).set_value("cosine").run()
    assert app.session_state[PICKED]["a"] == ("cosine", {"T_max": float(STEPS), "eta_min": 0.0})
    app.slider(key=RUN_LENGTH_KEY).set_value(2 * STEPS).run()  # untouched: follows the run length
    assert app.session_state[PICKED]["a"] == ("cosine", {"T_max": 2.0 * STEPS, "eta_min": 0.0})
    app.number_input(key=param_key("a", "cosine", "T_max")).set_value(123).run()
    app.slider(key=RUN_LENGTH_KEY).set_value(STEPS).run()  # set by the user: kept
    assert app.session_state[PICKED]["a"] == ("cosine", {"T_max": 123.0, "eta_min": 0.0})


@pytest.mark.parametrize("name", [n for n, spec in SCHEDULES.items() if spec.params])
def test_each_schedule_speaks_student_and_keeps_torchs_names_in_the_help(name):
    app = picker_app("a")
    app.selectbox(key=choice_key("a")).set_value(name).run()
    spec = SCHEDULES[name]
    assert spec.explanation in [c.value for c in app.caption]
    inputs = app.number_input
    assert [i.label for i in inputs] == [p.label for p in spec.params]
    assert [i.help for i in inputs] == [p.help for p in spec.params]  # where torch's names are given
    assert spec.torch_equivalent in app.selectbox(key=choice_key("a")).help
