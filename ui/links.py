"""Shareable links and widget seeding, the same way on every page.

A page keeps its controls in ``st.session_state`` and mirrors them in the URL: after every run it writes the
current controls to the URL (:func:`update_url`) and remembers what it wrote. At the start of a run, a URL
that differs from that — a session's first run, or Back and Forward, which change the address without the
page — is decoded into session state (:func:`restore_from_url`), so the page always shows what the address
bar says, and what could not be used is shown once (:func:`show_url_notes`). Each page brings its own
``decode`` and ``encode`` (``ui.playground_url`` for the playground,
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


def restore_from_url(decode: Decode, seen_key: str, notes_key: str) -> None:
    """Take the page's controls from the URL when it is not the one the page last read or wrote (under
    ``seen_key``): on a session's first run, and after Back or Forward. Bad values fall back, noted."""
    current = st.query_params.to_dict()
    if st.session_state.get(seen_key) == current:
        return
    values, notes = decode(current)
    st.session_state.update(values)
    st.session_state[notes_key] = notes
    st.session_state[seen_key] = current


def show_url_notes(notes_key: str) -> None:
    """Shown once, on the run that read the URL; any change afterwards makes a fresh, valid URL. The slot
    stays, empty, on later runs: nothing below it moves, so the browser keeps its state (open tabs, panels)."""
    slot = st.empty()
    notes = st.session_state.pop(notes_key, [])
    if notes:
        slot.info("Some values in the link could not be used:\n\n" + "\n".join(f"- {n}" for n in notes),
                  icon=":material/link:")


def update_url(wanted: dict[str, str], seen_key: str) -> None:
    """Make the page URL hold ``wanted`` and remember it under ``seen_key`` (the URL is written only when
    something changed: each update is a message, and the browser records each as a history entry)."""
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)
    st.session_state[seen_key] = wanted
