"""The playground's hyperparameter sliders: their boxes, drawn by the full app run, and the sliders filling them,
drawn by the results fragment (see :mod:`ui.sidebar`).

Each owner (an optimizer, or all of them under "Same hyperparameters for all") gets a box for its learning
rate, in view, and a "More" section for the rest. A value is seeded into ``st.session_state`` before its
slider is drawn, on the slider's options: its default (the optimizer's on the surface, snapped among them), or
a link's value, which the slider then offers too.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from landscapes.registry import Surface
from optimizers.registry import OPTIMIZERS, Hyperparameter, shared_hyperparameter
from ui import links, options, state
from viz.theme import run_colors


def number_label(value: float) -> str:
    return f"{value:g}"


def keep_on_options(key: str, choices: Sequence[float], log_scale: bool) -> None:
    """A slider's value on its options (a default or a link's value between them: the nearest one)."""
    if st.session_state[key] not in choices:
        st.session_state[key] = options.snap(float(st.session_state[key]), choices, log_scale)


def offered(key: str, choices: Sequence[float]) -> Sequence[float]:
    """A slider's options, with the value between them that a link asked for exactly (for the session)."""
    linked = st.session_state.get(state.linked_key(key))
    return choices if linked is None else tuple(sorted({*choices, linked}))


def _hyperparameter_slider(surface: Surface, owner: str, hp_name: str, optimizer: str) -> None:
    hyperparameter, key, choices = _hyperparameter_value(surface, owner, hp_name, optimizer)
    st.select_slider(hyperparameter.label, options=choices, key=key, format_func=number_label,
                     help=hyperparameter.help, persist_state=links.KEEP_WHILE_HIDDEN)


def _hyperparameter_value(surface: Surface, owner: str, hp_name: str, optimizer: str
                          ) -> tuple[Hyperparameter, str, Sequence[float]]:
    """Seed the value of ``owner``'s ``hp_name`` on its slider's options (alone: for a slider not drawn, its
    section being closed); returns the hyperparameter, its key and the options offered. The default
    (``optimizer``'s on ``surface``, snapped among the options) is worked out only while there is no value."""
    hyperparameter = OPTIMIZERS[optimizer].hyperparameter(hp_name)
    key = state.hp_key(owner, hp_name)
    choices = offered(key, hyperparameter.options)
    if key not in st.session_state:
        st.session_state[key] = options.hyperparameter_default(surface, OPTIMIZERS[optimizer], hp_name)
    keep_on_options(key, choices, hyperparameter.log_scale)
    return hyperparameter, key, choices


@dataclass(frozen=True)
class SliderGroup:
    """One owner's hyperparameter sliders (an optimizer's, or the shared ones): the boxes the full run drew
    for the results fragment to fill, and which optimizer's default each hyperparameter starts from."""

    owner: str
    first_owner: dict[str, str]  # hyperparameter → optimizer (a shared slider starts from the first one's)
    lr_box: DeltaGenerator
    more_box: DeltaGenerator | None  # the "More" section while it is open; closed, its sliders are not drawn


def _slider_group(owner: str, owners: Sequence[str]) -> SliderGroup | None:
    """The boxes of the learning rate in view and of the rest in a "More" section, for ``owners`` (one
    optimizer, or all of them when shared); drawn by the full run, so a slider move does not redraw them.

    The section's sliders are drawn only while it is open (opening it reruns the page); closed, their values
    are kept all the same. Every slider drawn is work for the browser on each learning-rate move.
    """
    if not owners:
        return None
    first_owner: dict[str, str] = {}
    for name in owners:
        for hp in OPTIMIZERS[name].hyperparameters:
            if state.owner_of(owners, owner == state.SHARED, name, hp.name) == owner:
                first_owner.setdefault(hp.name, name)
    lr_box = st.container()
    more = [n for n in first_owner if n != "lr"]
    if not more:
        return SliderGroup(owner, first_owner, lr_box, None)
    labels = ", ".join(shared_hyperparameter(n).label for n in more)
    section = st.expander(f"More: {labels}", key=state.MORE_OPEN + owner, on_change="rerun")
    return SliderGroup(owner, first_owner, lr_box, section if section.open else None)


def fill_slider_group(surface: Surface, group: SliderGroup) -> None:
    """The group's sliders in its boxes (the values of a closed section's are seeded all the same)."""
    with group.lr_box:
        _hyperparameter_slider(surface, group.owner, "lr", group.first_owner["lr"])
    more = [(n, optimizer) for n, optimizer in group.first_owner.items() if n != "lr"]
    if group.more_box is None:
        for hp_name, optimizer in more:
            _hyperparameter_value(surface, group.owner, hp_name, optimizer)
        return
    with group.more_box:
        for hp_name, optimizer in more:
            _hyperparameter_slider(surface, group.owner, hp_name, optimizer)


def swatch(color: str, text: str) -> None:
    """A heading with the optimizer's colour, so controls and chart lines are easy to match."""
    st.markdown(f"<span style='color:{color};font-size:1.3em'>●</span> **{text}**", unsafe_allow_html=True)


def slider_groups(surface: Surface, chosen: Sequence[str], same_for_all: bool) -> tuple[SliderGroup, ...]:
    """Each optimizer's heading in its colour and its slider boxes, or the shared boxes and the values each
    optimizer keeps of its own."""
    if same_for_all:
        groups = [_slider_group(state.SHARED, chosen)]
        _own_values(surface, chosen)
    else:
        groups = []
        for name, color in zip(chosen, run_colors(chosen)):
            swatch(color, OPTIMIZERS[name].title)
            groups.append(_slider_group(name, [name]))
    return tuple(group for group in groups if group is not None)


def _own_values(surface: Surface, chosen: Sequence[str]) -> None:
    """Under shared sliders, say which hyperparameters each optimizer keeps its own value of (their defaults
    differ, see ``state.shares``), and what those values are."""
    kept: dict[str, list[str]] = {}
    for name in chosen:
        for hp in OPTIMIZERS[name].hyperparameters:
            if not state.shares(chosen, hp.name):
                _hyperparameter_value(surface, name, hp.name, name)
                value = number_label(st.session_state[state.hp_key(name, hp.name)])
                kept.setdefault(hp.label, []).append(f"{OPTIMIZERS[name].short_title} {value}")
    if kept:
        st.caption("Not shared, as the optimizers' defaults differ; each keeps its own "
                   "(switch “Same hyperparameters for all” off to change them): "
                   + "; ".join(f"{label}: {', '.join(values)}" for label, values in kept.items()) + ".")
