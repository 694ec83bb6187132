"""The playground's learning-rate schedules: one picker per optimizer (or one for all), above the charts.

They live in the main area rather than the sidebar: a schedule has up to four parameters side by side, which
the sidebar is too narrow to show readably. The curves they produce are drawn under the loss curves.
"""
from __future__ import annotations

import streamlit as st

from optimizers.registry import OPTIMIZERS
from optimizers.schedules import get_schedule
from ui import state
from ui.schedule_picker import schedule_picker
from ui.sidebar import swatch
from validation import ValidationError
from viz.theme import run_colors

Schedule = tuple[str, dict[str, float]]  # (schedule name, {parameter: value})
PANEL_TITLE = "Learning-rate schedules"
PANEL_HELP = ("The learning rate can change as the run goes on, as torch.optim.lr_scheduler changes it in "
              "training. Each schedule's periods count optimizer steps; this run has {steps}. The chart under "
              "the loss curves shows every run's rate, relative to its base rate.")


def render_schedules(optimizers: list[str], same_for_all: bool, steps: int) -> dict[str, Schedule]:
    """A schedule picker per optimizer (one shared picker in "same for all" mode); returns each optimizer's."""
    if not optimizers:
        return {}
    with st.expander(PANEL_TITLE, icon=":material/timeline:"):
        st.caption(PANEL_HELP.format(steps=steps))
        if same_for_all:
            shared = schedule_picker(state.schedule_prefix(state.SHARED), steps)
            return {name: shared for name in optimizers}
        schedules = {}
        for name, color in zip(optimizers, run_colors(optimizers)):
            swatch(color, OPTIMIZERS[name].title)
            schedules[name] = schedule_picker(state.schedule_prefix(name), steps)
        return schedules


def schedules_valid(schedules: dict[str, Schedule]) -> bool:
    """Whether every picked schedule's values are valid (the pickers show what is wrong with the others)."""
    try:
        for name, params in schedules.values():
            get_schedule(name).validate(params)
    except ValidationError:
        return False
    return True
