"""The playground's sidebar: presets, surface, optimizers and their hyperparameters, run settings.

Every widget reads and writes its value under a key from :mod:`ui.state`. Values are seeded into
``st.session_state`` before a widget is created (never passed as ``value=`` too), so presets, URL values and
surface changes can all set them the same way.

The sidebar is drawn in two parts. :func:`render_sidebar`, in the full app run, draws the controls that reshape
the page (presets, surface, optimizers, steps), those changed now and then (start, noise, seed), and each
optimizer's heading and "More" section, leaving boxes in place for the sliders
(:mod:`ui.hyperparameter_sliders`). :func:`render_hyperparameters` fills those from the page's results fragment
with the hyperparameter sliders, the controls a class moves all the time: dragging one reruns that fragment alone
(the charts and numbers are redrawn, the rest of the page is not resent), and the fragment draws nothing else of
the sidebar, as every element a run draws costs the server time on every move.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import streamlit as st

from landscapes.registry import CUSTOM_PREFIX, SURFACES, Surface, get_surface
from optimizers.registry import OPTIMIZERS
from simulation.settings import MAX_SEED
from ui import links, options, state
from ui.hyperparameter_sliders import (SliderGroup, fill_slider_group, keep_on_options, number_label, offered,
                                       slider_groups)
from ui.presets import PRESETS
from validation import ValidationError

START_STEP = 0.1  # arrow-key increment of the start inputs
CUSTOM_TITLE = "Your own function…"
FORMULA_HELP = ("A formula in x and y: numbers, pi, e, + − * / ** (with number exponents), parentheses and "
                "common functions such as sin, cos, exp, log, sqrt, abs and tanh; anything else is refused with "
                "a note saying what. Press Enter to draw it.")


@dataclass(frozen=True)
class PageChoices:
    """The controls drawn by the full app run (validated later by ``make_settings``), and the sidebar box left
    for the results fragment's hyperparameter sliders."""

    surface: str
    optimizers: tuple[str, ...]
    steps: int
    surface_params: dict[str, float]
    same_for_all: bool  # one set of hyperparameters (and one learning-rate schedule) for every optimizer
    start: tuple[float, float]
    noise: float
    seed: int
    slider_groups: tuple[SliderGroup, ...]  # the hyperparameter sliders' boxes, for the results fragment


def reset_surface_dependent() -> None:
    """Forget start and hyperparameters, so the new surface's suggestions fill them in."""
    for key in [k for k in st.session_state if isinstance(k, str) and state.is_surface_dependent(k)]:
        del st.session_state[key]


def apply_preset(key: str) -> None:
    """The preset's controls, with constant learning rates (a story is told without schedules)."""
    reset_surface_dependent()
    for schedule_key in [k for k in st.session_state if isinstance(k, str) and state.is_schedule_key(k)]:
        del st.session_state[schedule_key]
    st.session_state.update(PRESETS[key].values())
    st.session_state[state.ACTIVE_PRESET] = key


def _option_slider(label: str, key: str, choices: Sequence[float], default: float, help_text: str,
                   log_scale: bool = False) -> float:
    choices = offered(key, choices)
    links.seed(key, default)
    keep_on_options(key, choices, log_scale)
    return st.select_slider(label, options=choices, key=key, format_func=number_label, help=help_text,
                            persist_state=links.KEEP_WHILE_HIDDEN)


def _presets() -> None:
    with st.expander("Stories to try", icon=":material/auto_stories:"):
        for preset in PRESETS.values():
            st.button(preset.title, key=f"preset.{preset.key}", help=preset.story, on_click=apply_preset,
                      args=(preset.key,), width="stretch")


def _surface_title(name: str) -> str:
    return CUSTOM_TITLE if name == state.CUSTOM else SURFACES[name].title


def _surface() -> Surface:
    links.seed(state.SURFACE, options.DEFAULT_SURFACE)
    name = st.selectbox("Loss surface", [*SURFACES, state.CUSTOM], key=state.SURFACE,
                        on_change=reset_surface_dependent, format_func=_surface_title)
    return _custom_surface() if name == state.CUSTOM else SURFACES[name]


def _custom_surface() -> Surface:
    """The text box of the user's formula; a refused formula gets one error line and the last good one stays."""
    links.seed(state.FORMULA, st.session_state.get(state.VALID_FORMULA, state.DEFAULT_FORMULA))
    text = st.text_input("f(x, y) =", key=state.FORMULA, help=FORMULA_HELP)
    try:
        surface = get_surface(CUSTOM_PREFIX + text)
    except ValidationError as error:
        st.error(str(error), icon=":material/error:")
        return get_surface(state.surface_name(st.session_state))
    st.session_state[state.VALID_FORMULA] = text.strip()
    return surface


def _surface_params(surface: Surface) -> dict[str, float]:
    values = {}
    for param in surface.params:
        values[param.name] = _option_slider(param.label, state.surface_param_key(param.name), param.options,
                                            param.default, param.help, param.log_scale)
    return values


def _optimizers() -> list[str]:
    links.seed(state.OPTIMIZERS_KEY, list(options.DEFAULT_OPTIMIZERS))
    # no "Select all": with more optimizers than the charts take, it would silently keep the first few
    return st.multiselect(f"Optimizers (up to {options.MAX_OPTIMIZERS})", list(OPTIMIZERS), key=state.OPTIMIZERS_KEY,
                          max_selections=options.MAX_OPTIMIZERS, format_func=lambda n: OPTIMIZERS[n].short_title,
                          select_all=False,
                          help="Each optimizer keeps its colour in every chart.")


def _same_for_all() -> bool:
    return bool(st.toggle("Same hyperparameters for all", key=state.SAME_FOR_ALL,
                          help="One set of sliders drives every optimizer (each uses the ones it has): the "
                               "learning rate, and the others where the optimizers' defaults agree."))


def _steps() -> int:
    links.seed(state.STEPS, options.DEFAULT_STEPS)
    return int(st.slider("Steps", *options.STEPS_RANGE, step=options.STEPS_INCREMENT, key=state.STEPS))


def _start_and_noise(surface: Surface) -> tuple[tuple[float, float], float, int]:
    (x_low, x_high), (y_low, y_high) = options.start_limits(surface)
    links.seed(state.START_X, float(surface.default_start[0]))
    links.seed(state.START_Y, float(surface.default_start[1]))
    left, right = st.columns(2)
    x = left.number_input("Start x", x_low, x_high, step=START_STEP, key=state.START_X, format="%.3f")
    y = right.number_input("Start y", y_low, y_high, step=START_STEP, key=state.START_Y, format="%.3f",
                           help="Or drag the start marker on the map.")
    links.seed(state.NOISE, 0.0)
    noise = st.select_slider("Gradient noise σ", options=options.NOISE_OPTIONS, key=state.NOISE,
                             format_func=number_label,
                             help="Adds σ·N(0, 1) to each gradient component: stochastic gradients, as in SGD.")
    links.seed(state.SEED, 0)
    seed = st.number_input("Noise seed", 0, MAX_SEED, step=1, key=state.SEED,
                           help="The same seed gives every optimizer the same noise, so the comparison is fair.")
    return (float(x), float(y)), float(noise), int(seed)


def render_sidebar() -> PageChoices:
    """Draw the page-shaping controls in ``st.sidebar``, with boxes for :func:`render_hyperparameters`."""
    with st.sidebar:
        _presets()
        surface = _surface()
        surface_params = _surface_params(surface)
        chosen = _optimizers()
        same_for_all = _same_for_all()
        groups = slider_groups(surface, chosen, same_for_all)
        st.divider()
        steps = _steps()
        start, noise, seed = _start_and_noise(surface)
    return PageChoices(surface.name, tuple(chosen), steps, surface_params, same_for_all, start, noise, seed,
                       groups)


def render_hyperparameters(page: PageChoices) -> tuple[tuple[str, dict[str, float]], ...]:
    """Draw the hyperparameter sliders into the boxes ``render_sidebar`` left (call from the results
    fragment); returns each optimizer with the values its sliders (or the shared ones) hold."""
    surface = get_surface(page.surface)
    for group in page.slider_groups:
        fill_slider_group(surface, group)
    chosen, same_for_all = page.optimizers, page.same_for_all

    def value(name: str, hp_name: str) -> float:
        return st.session_state[state.hp_key(state.owner_of(chosen, same_for_all, name, hp_name), hp_name)]

    return tuple((name, {hp.name: value(name, hp.name) for hp in OPTIMIZERS[name].hyperparameters})
                 for name in chosen)
