"""The optimizer playground page: controls in the sidebar, the chosen view, numbers and explanations.

Two levels of rerun keep slider moves fast. The full app run draws what reshapes the page (surface, optimizers,
steps, schedules, explanations) and the controls changed now and then (start, noise, seed); the results fragment
draws the hyperparameter sliders (in the sidebar boxes the full run left) together with everything they change, so
dragging a learning rate reruns that fragment alone. Inside it, the view picker is a fragment of its own
(``ui.views``).

A class moves its sliders at once, and every rerun runs in a thread of its own in one interpreter: left alone,
a hundred of them take turns on the interpreter lock every few milliseconds, so each move finishes only when
nearly all have, and the switching itself costs CPU time. The results are drawn a few runs at a time instead
(as many as the machine has cores: the simulation kernels run without the lock), the others waiting their turn,
so moves finish about in the order they came (``benchmarks/bench_class.py``; the README has the numbers).
"""
from __future__ import annotations

import threading

import streamlit as st

from cores import usable_cores
from landscapes.registry import CUSTOM_PREFIX, Surface, get_surface
from simulation.engine import Result
from simulation.settings import Settings, make_run, make_settings
from ui import compute, explain, links, playground_url, state
from ui.export_panel import render_export_panel
from ui.presets import PRESETS
from ui.schedules_panel import Schedule, render_schedules
from ui.sidebar import PageChoices, render_hyperparameters, render_sidebar
from ui.views import render_views, sync_url
from validation import ValidationError


def _show_surface(surface: Surface) -> None:
    """The surface's name, formula and lesson in two lines: what students look at, and what to look for
    (compact, so the charts below fit on the first screen)."""
    st.markdown(f"#### {surface.title} &nbsp; ${surface.latex}$")
    if surface.name.startswith(CUSTOM_PREFIX):
        _show_gradient(surface.name[len(CUSTOM_PREFIX):])
    st.caption(surface.lesson)


def _show_gradient(formula: str) -> None:
    """The derived partial derivatives of the user's function: what every optimizer is given to follow."""
    for column, axis, derivative in zip(st.columns(2), "xy", compute.gradient_latex(formula)):
        column.latex(rf"\frac{{\partial f}}{{\partial {axis}}} = {derivative}")


def _show_story() -> None:
    """The story of the preset last applied, for as long as its controls are untouched (in a slot that stays
    when empty, so nothing below it moves)."""
    slot = st.empty()
    key = st.session_state.get(state.ACTIVE_PRESET)
    if key is None:
        return
    preset = PRESETS[key]
    if all(st.session_state.get(k) == v for k, v in preset.values().items()):
        slot.info(f"**{preset.title}.** {preset.story}", icon=":material/auto_stories:")
    else:
        del st.session_state[state.ACTIVE_PRESET]


def _render_export(settings: Settings, result: Result) -> None:
    """The lecture export panel. Its options are drawn only while the section is open: a closed section then
    costs each slider move nothing."""
    section = st.expander("Export for a lecture (GIF / MP4)", icon=":material/movie:", key=state.EXPORT_OPEN,
                          on_change="rerun")
    if section.open:
        with section:
            render_export_panel(settings, result)


def _render_page(page: PageChoices) -> None:
    _show_surface(get_surface(page.surface))
    links.show_url_notes(state.URL_NOTES)
    schedules = render_schedules(list(page.optimizers), page.same_for_all, page.steps)
    _render_results(page, schedules)
    explain.render_explanations(page.optimizers)


@st.cache_resource(show_spinner=False)
def _results_turns() -> threading.Semaphore:
    """The turns at drawing results, shared by every session of the process (see the module's docstring)."""
    return threading.Semaphore(usable_cores())


@st.fragment
def _render_results(page: PageChoices, schedules: dict[str, Schedule]) -> None:
    """The hyperparameter sliders (in the sidebar boxes ``page`` holds) and everything they change: moving one
    of them reruns this fragment alone. The export panel is drawn after the turn is given back: it may wait
    for a render another session started, and a run waiting for anything else must not hold a turn."""
    with _results_turns():
        drawn = _draw_results(page, schedules)
    if drawn is not None:
        _render_export(*drawn)


def _draw_results(page: PageChoices, schedules: dict[str, Schedule]) -> tuple[Settings, Result] | None:
    """The sliders, charts and numbers; returns the settings and result drawn (None for invalid settings)."""
    chosen = render_hyperparameters(page)
    _show_story()
    try:
        runs = [make_run(name, hyperparameters, *schedules[name]) for name, hyperparameters in chosen]
        settings = make_settings(page.surface, runs, page.steps, page.start, page.noise, page.seed,
                                 page.surface_params)
    except ValidationError as error:
        sync_url()
        st.error(str(error))
        return None
    result = compute.simulate(settings)
    explain.render_divergence(result)
    render_views(settings)
    explain.render_numbers(result)
    return settings, result


def render() -> None:
    with links.following_the_address(playground_url.decode, state.URL_SEEN, state.URL_NOTES):
        _render_page(render_sidebar())
