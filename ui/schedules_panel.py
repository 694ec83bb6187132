"""The playground's learning-rate schedules: one picker per optimizer (or one for all), above the charts.

They live in the main area rather than the sidebar: a schedule has up to four parameters side by side, which
the sidebar is too narrow to show readably. The curves they produce are drawn under the loss curves. While a
picker holds an invalid value (marked under it), its optimizer keeps the last valid schedule, and the picker
says so: the charts stay where they are.
"""
from __future__ import annotations

import streamlit as st

from optimizers.registry import OPTIMIZERS
from optimizers.schedules import SCHEDULES, get_schedule
from ui import state
from ui.schedule_picker import DEFAULT_SCHEDULE, schedule_picker
from ui.hyperparameter_sliders import swatch
from validation import ValidationError
from viz.theme import run_colors

Schedule = tuple[str, dict[str, float]]  # (schedule name, {parameter: value})
PANEL_TITLE = "Learning-rate schedules"
PANEL_HELP = ("The learning rate can change as the run goes on, as it often does in training. Each schedule's "
              "periods count optimizer steps; this run has {steps}. The chart under the loss curves shows every "
              "run's rate, relative to its base rate.")
LAST_VALID = ".last_valid"  # + a picker's prefix: the schedule its optimizer runs while the picker is invalid


def render_schedules(optimizers: list[str], same_for_all: bool, steps: int) -> dict[str, Schedule]:
    """A schedule picker per optimizer (one shared picker in "same for all" mode); returns each optimizer's
    schedule: the picked one, or while it holds an invalid value, the last valid one."""
    if not optimizers:
        return {}
    with st.expander(PANEL_TITLE, icon=":material/timeline:"):
        st.caption(PANEL_HELP.format(steps=steps))
        if same_for_all:
            shared = _valid_picker(state.schedule_prefix(state.SHARED), steps)
            return {name: shared for name in optimizers}
        schedules = {}
        for name, color in zip(optimizers, run_colors(optimizers)):
            swatch(color, OPTIMIZERS[name].title)
            schedules[name] = _valid_picker(state.schedule_prefix(name), steps)
        return schedules


def _valid_picker(prefix: str, steps: int) -> Schedule:
    """The picker's schedule if valid (remembered as the last valid one), else the last valid one, named."""
    name, values = schedule_picker(prefix, steps)
    try:
        picked = (name, dict(get_schedule(name).validate(values)))
    except ValidationError:
        kept = st.session_state.get(prefix + LAST_VALID, (DEFAULT_SCHEDULE, {}))
        st.caption(f"Until the value marked above is valid, the charts keep the last valid schedule: "
                   f"{describe(kept)}.")
        return kept
    st.session_state[prefix + LAST_VALID] = picked
    return picked


def describe(schedule: Schedule) -> str:
    """``Step decay (steps per drop 40, drop factor γ 0.5)``: the schedule in its picker's words."""
    spec = SCHEDULES[schedule[0]]
    values = ", ".join(f"{p.label} {schedule[1][p.name]:g}" for p in spec.params)
    return f"{spec.title} ({values})" if values else spec.title
