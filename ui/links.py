"""Shareable links and widget seeding, the same way on every page.

A page keeps its controls in ``st.session_state`` and mirrors them in the URL: on a session's first run it
decodes the query parameters into session state (:func:`restore_from_url`), shows what could not be used once
(:func:`show_url_notes`), and after every run writes the current controls back (:func:`update_url`). Each
page brings its own ``decode`` and ``encode`` (``ui.playground_url`` for the playground,
``ui.stability_state`` for the stability map), both written with ``ui.url_codec``.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

import streamlit as st

Decode = Callable[[Mapping[str, str]], tuple[dict[str, Any], list[str]]]
# ``persist_state`` of widgets that some runs do not draw (a closed section, a mode that hides them): their
# value outlives those runs, and the browser shows it again when they are drawn.
KEEP_WHILE_HIDDEN = "session"


def seed(key: str, default: object) -> None:
    """Start the widget under ``key`` at ``default`` unless a value (from a link, a preset or an earlier run)
    is already there. The widget then takes its value from session state only: Streamlit warns when a
    widget is given a value both as an argument and through session state."""
    if key not in st.session_state:
        st.session_state[key] = default


def restore_from_url(decode: Decode, applied_key: str, notes_key: str) -> None:
    """On the page's first run in a session, take its controls from the URL (bad values fall back, noted)."""
    if st.session_state.get(applied_key):
        return
    values, notes = decode(st.query_params.to_dict())
    st.session_state.update(values)
    st.session_state[notes_key] = notes
    st.session_state[applied_key] = True


def show_url_notes(notes_key: str) -> None:
    """Shown once, on the run that read the URL; any change afterwards makes a fresh, valid URL. The slot
    stays, empty, on later runs: nothing below it moves, so the browser keeps its state (open tabs, panels)."""
    slot = st.empty()
    notes = st.session_state.pop(notes_key, [])
    if notes:
        slot.info("Some values in the link could not be used:\n\n" + "\n".join(f"- {n}" for n in notes),
                  icon=":material/link:")


def update_url(wanted: dict[str, str]) -> None:
    """Make the page URL hold ``wanted`` (only when something changed: each update is a message, and the
    browser records each as a history entry; only widgets bound to the URL replace the entry instead)."""
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)
