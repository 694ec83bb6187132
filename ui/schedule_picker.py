"""A reusable Streamlit widget: choose a learning-rate schedule and its parameters for a run of known length.

    schedule, params = schedule_picker("mnist_schedule_adam", steps=2814)
    run = make_run("adam", hyperparams, schedule, params)

The choices are ``optimizers.schedules.SCHEDULES`` (torch.optim.lr_scheduler semantics), shown by their
students' names with a one-line explanation; torch's names are in the help texts. Defaults are scaled to
the run so every schedule does something visible within it: cosine annealing spans the whole run, step decay
halves the rate at each quarter, warm-up takes the first tenth, exponential and 1/t decay end near a tenth of the
base rate. The parameters' widget keys contain the run length, so a new length brings new defaults for the
values the user has not changed; a value the user set is carried over to the new length.
"""
from __future__ import annotations

import streamlit as st

from optimizers.schedules import SCHEDULES, ScheduleParam, get_schedule
from ui import links
from validation import Range, ValidationError, check_range

CHOICE_KEY = "{prefix}_schedule"  # the selectbox
EDITED_KEY = "schedule_picker.edited"  # session state: {(prefix, schedule, param): value the user set}
PARAM_KEY = "{prefix}_schedule_{schedule}_{param}_{steps}"  # one number input per parameter and run length
DEFAULT_SCHEDULE = "constant"
STEP_PHASES = 4  # step decay: step_size is a quarter of the run (with the registry's γ = 0.5, the rate halves)
WARMUP_SHARE = 10  # warm-up + cosine: the first tenth of the run warms up, the rest anneals
FINAL_FRACTION = 0.1  # exponential and 1/t decay: the rate at the end of the run, relative to the base rate
COUNTED_IN_UPDATES = ("step_size", "warmup", "T_max")  # whole numbers of updates: integer inputs
CHOICE_HELP = ("Stepped after every update, as torch.optim.lr_scheduler is in a training loop. In torch: "
               + "; ".join(f"{s.title}: {s.torch_equivalent}" for s in SCHEDULES.values()) + ".")


def choice_key(prefix: str) -> str:
    """The selectbox's widget key for the picker with ``prefix``."""
    return CHOICE_KEY.format(prefix=prefix)


def param_key(prefix: str, schedule: str, param: str, steps: int) -> str:
    """The widget key of ``schedule``'s parameter ``param`` in the picker with ``prefix``, for a run of ``steps``."""
    return PARAM_KEY.format(prefix=prefix, schedule=schedule, param=param, steps=steps)


def _clamp(value: float, allowed: Range) -> float:
    """``value`` moved into the closed hull of ``allowed`` (very long runs would exceed the longest period)."""
    return min(max(value, allowed.low), allowed.high)


def scaled_defaults(schedule: str, steps: int) -> dict[str, float]:
    """Parameter defaults of ``schedule`` that suit a run of ``steps`` updates (always valid values)."""
    steps = max(1, steps)
    warmup = max(1, steps // WARMUP_SHARE)
    scaled = {
        "step_size": max(1, steps // STEP_PHASES),
        "warmup": warmup,
        "T_max": max(1, steps - warmup) if schedule == "warmup_cosine" else steps,
        "k": (1.0 / FINAL_FRACTION - 1.0) / steps,  # 1/(1 + k·steps) = FINAL_FRACTION
    }
    if schedule == "exponential":
        scaled["gamma"] = FINAL_FRACTION ** (1.0 / steps)  # γ^steps = FINAL_FRACTION
    params = get_schedule(schedule).params
    return {p.name: _clamp(scaled.get(p.name, p.default), p.allowed) for p in params}


def _param_input(param: ScheduleParam, default: float, key: str) -> float:
    """A number input bounded by the parameter's range (integers for counts of updates)."""
    if param.name in COUNTED_IN_UPDATES:
        links.seed(key, int(default))
        return float(st.number_input(param.label, int(param.allowed.low), int(param.allowed.high), step=1,
                                     key=key, help=param.help))
    links.seed(key, float(default))
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
    defaults = scaled_defaults(name, steps)
    edited = st.session_state.setdefault(EDITED_KEY, {})
    values = {}
    for column, param in zip(st.columns(len(schedule.params)), schedule.params):
        where = (key_prefix, name, param.name)
        start = _clamp(edited[where], param.allowed) if where in edited else defaults[param.name]
        with column:
            values[param.name] = _param_input(param, start, param_key(key_prefix, name, param.name, steps))
            wrong = problem(param, values[param.name])
            if wrong is not None:
                st.error(wrong, icon=":material/error:")
        if values[param.name] == defaults[param.name]:
            edited.pop(where, None)
        else:
            edited[where] = values[param.name]
    return name, values
