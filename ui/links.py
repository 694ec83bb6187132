"""Shareable links and widget seeding, the same way on every page.

A page keeps its controls in ``st.session_state`` and mirrors them in the URL: after every run it writes the
current controls to the URL (:func:`update_url`) and remembers what it wrote. A run that finds another
address — a session's first run, Back and Forward (they change the address without the page), a return from
another page — decodes it into session state (:func:`following_the_address`), so the page always shows what
the address bar says, and what could not be used is shown once (:func:`show_url_notes`). Writes replace the
tab's current history entry (:mod:`ui.url_history`): Back and Forward go from page to page, not from one
slider move to the last. So on the page last shown, an address that page itself had earlier is no history
step: the browser sends its address with every change, and a change made while the last run's address is on
its way carries the one before. Read, it would undo the change; it is left, and the run writes the address
anew. Each page brings its own ``decode`` and ``encode`` (``ui.playground_url`` for the
playground, ``ui.stability_state`` for the stability map), both written with ``ui.url_codec``.

A page whose single-value controls are bound widgets (``bind="query-params"``: Streamlit reads and writes those
itself) keeps only its compound values here, such as the MNIST page's schedules: it passes ``owned``, the
parameter names it decodes and writes, and :func:`update_url` leaves every other parameter as it is.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping

import streamlit as st

Decode = Callable[[Mapping[str, str]], tuple[dict[str, Any], list[str]]]
Owned = Callable[[str], bool]  # the URL parameters a page decodes and writes itself
# ``persist_state`` of widgets that some runs do not draw (a closed section, a mode that hides them): their
# value outlives those runs, and the browser shows it again when they are drawn.
KEEP_WHILE_HIDDEN = "session"
# Session state: this run read the page's controls from the address (see :func:`update_url`).
ADDRESS_JUST_READ = "_address_just_read"
PAGE_SHOWN = "_page_shown"  # session state: the ``seen_key`` of the page the last run showed
# Session state: the addresses the page on screen had before its latest one, oldest first. A change reaches the
# server with the address the tab showed when it was made, which may lack the last writes still on their way.
EARLIER_ADDRESSES = "_earlier_addresses"
ADDRESS_BEHIND = "_address_behind"  # session state: this run came with one of them (see :func:`update_url`)
EARLIER_KEPT = 4  # a tab is behind by one write, rarely more: each write is the end of a run


def seed(key: str, default: object) -> None:
    """Start the widget under ``key`` at ``default`` unless a value (from a link, a preset or an earlier run)
    is already there. The widget then takes its value from session state only: Streamlit warns when a
    widget is given a value both as an argument and through session state."""
    if key not in st.session_state:
        st.session_state[key] = default


def _part(params: Mapping[str, str], owned: Owned | None) -> dict[str, str]:
    return dict(params) if owned is None else {name: value for name, value in params.items() if owned(name)}


@contextmanager
def following_the_address(decode: Decode, seen_key: str, notes_key: str, owned: Owned | None = None
                          ) -> Iterator[None]:
    """Run a page (a full run of it) with its controls taken from the address bar when the address is not
    the one the page last read or wrote (under ``seen_key``): on a session's first run, after Back or Forward,
    and when another page was shown since (Streamlit forgets the values of widgets a run does not draw). Bad
    values fall back, noted for :func:`show_url_notes`. A run that read the address does not write it back
    (:func:`update_url`). An address the page itself had earlier is not read: it came with a change made
    before the newest address reached the tab. With ``owned``, only those parameters count and are decoded."""
    current = _part(st.query_params.to_dict(), owned)
    same_page = st.session_state.get(PAGE_SHOWN) == seen_key
    st.session_state[PAGE_SHOWN] = seen_key
    behind = same_page and current in st.session_state.get(EARLIER_ADDRESSES, [])
    st.session_state[ADDRESS_BEHIND] = behind
    if not behind and (not same_page or st.session_state.get(seen_key) != current):
        values, notes = decode(current)
        st.session_state.update(values)
        st.session_state[notes_key] = notes
        st.session_state[seen_key] = current
        st.session_state[EARLIER_ADDRESSES] = []
        st.session_state[ADDRESS_JUST_READ] = True
    try:
        yield
    finally:  # also when the run ends early (st.rerun, st.stop)
        st.session_state.pop(ADDRESS_JUST_READ, None)
        st.session_state.pop(ADDRESS_BEHIND, None)


def show_url_notes(notes_key: str) -> None:
    """Shown once, on the run that read the URL; any change afterwards makes a fresh, valid URL. The slot
    stays, empty, on later runs: nothing below it moves, so the browser keeps its state (open tabs, panels)."""
    slot = st.empty()
    notes = st.session_state.pop(notes_key, [])
    if notes:
        slot.info("Some values in the link could not be used:\n\n" + "\n".join(f"- {n}" for n in notes),
                  icon=":material/link:")


def update_url(wanted: dict[str, str], seen_key: str, owned: Owned | None = None) -> None:
    """Make the page URL hold ``wanted`` and remember it under ``seen_key`` (written only when something
    changed: each write is a message to the browser). With ``owned`` (a page with bound widgets), only the owned
    parameters are set to ``wanted``, owned ones it lacks removed, and the others, the bound widgets' own, stay
    as they are (``st.query_params.from_dict`` would wipe them).

    A run that read the address leaves it as it is: the page was just drawn from it, so it names this view
    already. Writing it would add a history entry on a session's first run (the tab's history script loads
    with that run's elements, after the write), and on a move to another page it would land on the entry of
    the page being left (the browser changes the path after the new page's run). The next run writes it.

    A run that came with an earlier address of the page writes even what that address already holds: the
    newer address on its way to the tab would otherwise replace it there."""
    if st.session_state.get(ADDRESS_JUST_READ):
        return
    behind = st.session_state.get(ADDRESS_BEHIND, False)
    shown = st.session_state.get(seen_key)
    if shown is not None and shown != wanted:
        earlier = [address for address in st.session_state.get(EARLIER_ADDRESSES, []) if address != wanted]
        st.session_state[EARLIER_ADDRESSES] = [*earlier, shown][-EARLIER_KEPT:]
    current = st.query_params.to_dict()
    if owned is None:
        if behind or current != wanted:
            st.query_params.from_dict(wanted)
    else:
        for name in [name for name in current if owned(name) and name not in wanted]:
            del st.query_params[name]
        for name, value in wanted.items():
            if behind or current.get(name) != value:
                st.query_params[name] = value
    st.session_state[seen_key] = wanted
