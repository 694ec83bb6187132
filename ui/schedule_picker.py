"""A reusable Streamlit widget: choose a learning-rate schedule and its parameters for a run of known length.

    schedule, params = schedule_picker("mnist_schedule_adam", steps=2814)
    run = make_run("adam", hyperparams, schedule, params)

The choices are ``optimizers.schedules.SCHEDULES`` (torch.optim.lr_scheduler semantics), shown by their students'
names with a one-line explanation; torch's names are in the help texts. Defaults are scaled to the run so every
schedule does something visible within it (each parameter's ``scaling`` in the registry,
``optimizers.schedules.run_defaults``): cosine annealing spans the whole run, step decay halves the rate at each
quarter, warm-up takes the first tenth, exponential and 1/t decay end near a tenth of the base rate. A new run
length brings new defaults for the values the user has not changed; a value the user (or a link) set stays. The
parameters' widget keys do not contain the run length, so a link can name them before the page knows the run's
length.

In a link a picker's choice is one parameter, ``cosine:T_max=150,eta_min=0`` (``ui.url_codec``'s grammar), written
by :func:`schedule_url_value` and read back by :func:`decode_schedule`, the same on every page.
"""
from __future__ import annotations

import streamlit as st

from optimizers.schedules import SCHEDULES, ScheduleParam, get_schedule, run_defaults
from ui import links
from ui.url_codec import Decoder, format_schedule, parse_schedule
from validation import ValidationError, check_range

CHOICE_KEY = "{prefix}_schedule"  # the selectbox
EDITED_KEY = "schedule_picker.edited"  # session state: {(prefix, schedule, param): value the user set}
SHOWN_KEY = "schedule_picker.shown"  # session state: {widget key: the value it was last drawn to start from}
PARAM_KEY = "{prefix}_schedule_{schedule}_{param}"  # one number input per parameter
DEFAULT_SCHEDULE = "constant"
CHOICE_HELP = ("Stepped after every update, as torch.optim.lr_scheduler is in a training loop. In torch: "
               + "; ".join(f"{s.title}: {s.torch_equivalent}" for s in SCHEDULES.values()) + ".")


def choice_key(prefix: str) -> str:
    """The selectbox's widget key for the picker with ``prefix``."""
    return CHOICE_KEY.format(prefix=prefix)


def param_key(prefix: str, schedule: str, param: str) -> str:
    """The widget key of ``schedule``'s parameter ``param`` in the picker with ``prefix``."""
    return PARAM_KEY.format(prefix=prefix, schedule=schedule, param=param)


def schedule_url_value(name: str, values: dict[str, float]) -> str | None:
    """A picker's choice as a link gives it (``cosine:T_max=150,eta_min=0``); None for the constant rate, which a
    link leaves out."""
    return None if name == DEFAULT_SCHEDULE else format_schedule(name, values)


def decode_schedule(d: Decoder, url_name: str, prefix: str) -> None:
    """The link's ``url_name=cosine:T_max=150,eta_min=0`` into the session keys of the picker with ``prefix``: its
    choice and its parameters' inputs; a bad value falls back to the constant rate with a note."""
    text = d.pop(url_name)
    try:
        name, values = parse_schedule(text)
    except ValidationError as error:
        d.values[choice_key(prefix)] = d.fallback(url_name, text, str(error), DEFAULT_SCHEDULE)
        return
    d.values[choice_key(prefix)] = name
    for param in get_schedule(name).params:  # counts of updates go into integer inputs, which hold ints
        if param.name in values:
            value = values[param.name]
            d.values[param_key(prefix, name, param.name)] = int(value) if param.counts_updates else value


def _start_from(key: str, start: float) -> None:
    """Start the input under ``key`` at ``start`` unless it holds a value of its own. A value it was last drawn
    to start from, now that ``start`` is another (the run length changed its default), is not its own: it moves
    on to ``start``, while a value the user or a link set stays."""
    shown = st.session_state.setdefault(SHOWN_KEY, {})
    if key not in st.session_state or st.session_state[key] == shown.get(key) != start:
        st.session_state[key] = start
    shown[key] = start


def _param_input(param: ScheduleParam, default: float, key: str) -> float:
    """A number input bounded by the parameter's range (integers for counts of updates)."""
    if param.counts_updates:
        _start_from(key, int(default))
        return float(st.number_input(param.label, int(param.allowed.low), int(param.allowed.high), step=1,
                                     key=key, help=param.help))
    _start_from(key, float(default))
    return st.number_input(param.label, float(param.allowed.low), float(param.allowed.high), format="%g",
                           key=key, help=param.help)


def problem(param: ScheduleParam, value: float) -> str | None:
    """What is wrong with ``value`` for ``param``, in the words of its input; None when it is valid."""
    try:
        check_range(param.label, value, param.allowed)
    except ValidationError as error:
        return str(error)
    return None


def schedule_picker(key_prefix: str, steps: int) -> tuple[str, dict[str, float]]:
    """A schedule selectbox, its explanation and its parameters' inputs; returns ``(schedule name,
    {parameter: value})``.

    An invalid value (one the input's bounds cannot exclude, such as γ = 0) is marked by one ``st.error`` line
    under its input and returned as entered, so the caller's own validation (``make_run``) refuses it as well
    instead of running something else.
    """
    links.seed(choice_key(key_prefix), DEFAULT_SCHEDULE)
    name = st.selectbox("Learning-rate schedule", list(SCHEDULES), key=choice_key(key_prefix),
                        format_func=lambda s: SCHEDULES[s].title, help=CHOICE_HELP)
    schedule = SCHEDULES[name]
    st.caption(schedule.explanation)
    if not schedule.params:
        return name, {}
    defaults = run_defaults(name, steps)
    edited = st.session_state.setdefault(EDITED_KEY, {})
    values = {}
    for column, param in zip(st.columns(len(schedule.params)), schedule.params):
        where = (key_prefix, name, param.name)
        start = param.clamped(edited[where]) if where in edited else defaults[param.name]
        with column:
            values[param.name] = _param_input(param, start, param_key(key_prefix, name, param.name))
            wrong = problem(param, values[param.name])
            if wrong is not None:
                st.error(wrong, icon=":material/error:")
        if values[param.name] == defaults[param.name]:
            edited.pop(where, None)
        else:
            edited[where] = values[param.name]
    return name, values
