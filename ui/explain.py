"""Numbers and words under the charts: the results table, divergence notes and each optimizer's story."""
from __future__ import annotations

from typing import Sequence

import streamlit as st

from landscapes.analysis import describe
from landscapes.registry import CUSTOM_PREFIX, get_surface
from optimizers.registry import OPTIMIZERS
from simulation.diagnostics import summarize
from simulation.engine import Result
from simulation.outcomes import DIVERGED, EXPLODED, UNDEFINED, UNDEFINED_AT_START, classify_all
from simulation.settings import NEAR_MINIMUM_GAP
from ui import state
from ui.views import sync_url

NOT_APPLICABLE = "—"
CACHED_DESCRIPTIONS = 32  # one sentence per user formula in use
OUTCOME_ICONS = {EXPLODED: "💥", DIVERGED: "💥", UNDEFINED: ":material/block:",
                 UNDEFINED_AT_START: ":material/block:"}


def render_divergence(result: Result) -> None:
    """One warning per run that did not simply run, naming the cause and what to try (in one container,
    present even when empty, so the elements below keep their places as runs start or stop failing)."""
    box = st.container()
    for outcome in classify_all(result):
        if outcome.message is not None:
            box.warning(outcome.message, icon=OUTCOME_ICONS[outcome.kind])


def _number(value: float | None, digits: str = ".4g") -> str:
    return NOT_APPLICABLE if value is None else format(value, digits)


def results_table(result: Result) -> list[dict[str, str]]:
    """Final loss, distance to the nearest global minimum, steps to reach it, and the outcome, per run."""
    spec = result.settings.surface_spec
    reach_column = (f"steps to f_min + {NEAR_MINIMUM_GAP:g}" if spec.min_value is not None
                    else "steps to the minimum")
    rows = [{"optimizer": row.label,
             "final loss": _number(row.final_loss),
             "distance to nearest minimum": _number(row.distance_to_minimum, ".3g"),
             reach_column: NOT_APPLICABLE if row.steps_to_tolerance is None else str(row.steps_to_tolerance),
             "outcome": row.status}
            for row in summarize(result)]
    return rows


def markdown_table(rows: list[dict[str, str]]) -> str:
    """A Markdown table: light to send and to draw (no data-grid widget to load for five rows)."""
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row[column] for column in header) + " |" for row in rows]
    return "\n".join(lines)


def render_numbers(result: Result) -> None:
    st.subheader("Numbers")
    st.markdown(markdown_table(results_table(result)))
    spec = result.settings.surface_spec
    if spec.name.startswith(CUSTOM_PREFIX):
        st.caption(f"{described(spec.name)} Its exact lowest value is not known, so distance and steps to "
                   f"the minimum are not measured ({NOT_APPLICABLE}); a lower final loss means further downhill.")
    elif spec.min_value is None:
        st.caption("This surface has no lowest point (it falls forever in some direction), so distances and "
                   "steps to the minimum do not apply; lower final loss means further downhill.")
    else:
        st.caption(f"The lowest value of this surface is {spec.min_value:g}. “Steps to …” counts the first "
                   f"step at which the loss came within {NEAR_MINIMUM_GAP:g} of it; {NOT_APPLICABLE} means "
                   "it never did within the steps run.")


@st.cache_data(max_entries=CACHED_DESCRIPTIONS, show_spinner=False)
def described(surface: str) -> str:
    """What sampling the user's function ``surface`` (``expr:<formula>``) shows (a few grids of it: cached)."""
    return describe(get_surface(surface))


@st.fragment
def render_explanations(optimizers: Sequence[str]) -> None:
    """Each chosen optimizer's update rule, what it fixes and what it costs, one optimizer at a time.

    A segmented control picks the optimizer, not ``st.tabs``: the browser re-lays out tab headers on every
    rerun of the page, which cost about 20 ms of each slider-driven redraw. The picker reruns only this
    fragment, and puts its choice in the URL.
    """
    if not optimizers:
        return
    st.subheader("How each optimizer works")
    names = list(dict.fromkeys(optimizers))
    if st.session_state.get(state.EXPLAINED) not in names:
        st.session_state[state.EXPLAINED] = names[0]
    name = st.segmented_control("Optimizer to explain", names, key=state.EXPLAINED, required=True,
                                format_func=lambda n: OPTIMIZERS[n].title, label_visibility="collapsed")
    spec = OPTIMIZERS[name]
    st.latex(spec.latex)
    st.markdown(f"**What it fixes.** {spec.fixes}")
    st.markdown(f"**What it costs.** {spec.costs}")
    st.caption(f"Same update as `{spec.torch_equivalent}`. Here g is the gradient and η the learning rate.")
    sync_url()
