"""The playground's sidebar: presets, surface, optimizers and their hyperparameters, run settings.

Every widget reads and writes its value under a key from :mod:`ui.state`. Values are seeded into
``st.session_state`` before a widget is created (never passed as ``value=`` too), so presets, URL values and
surface changes can all set them the same way.

The sidebar is drawn in two parts. :func:`render_sidebar`, in the full app run, draws the controls that
reshape the page (presets, surface, optimizers, steps), those changed now and then (start, noise, seed), and
each optimizer's heading and "More" section, leaving boxes in place for the sliders.
:func:`render_hyperparameters` fills those from the page's results fragment with the hyperparameter sliders,
the controls a class moves all the time: dragging one reruns that fragment alone (the charts and numbers are
redrawn, the rest of the page is not resent), and the fragment draws nothing else of the sidebar, as every
element a run draws costs the server time on every move.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from landscapes.registry import CUSTOM_PREFIX, SURFACES, Surface, get_surface
from optimizers.registry import OPTIMIZERS, Hyperparameter, shared_hyperparameter
from simulation.settings import MAX_SEED
from ui import links, options, state
from ui.presets import PRESETS
from validation import ValidationError
from viz.theme import run_colors

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


def _number_label(value: float) -> str:
    return f"{value:g}"


def _keep_on_options(key: str, choices: Sequence[float], log_scale: bool) -> None:
    """A slider's value on its options (a default or a link's value between them: the nearest one)."""
    if st.session_state[key] not in choices:
        st.session_state[key] = options.snap(float(st.session_state[key]), choices, log_scale)


def _offered(key: str, choices: Sequence[float]) -> Sequence[float]:
    """A slider's options, with the value between them that a link asked for exactly (for the session)."""
    linked = st.session_state.get(state.linked_key(key))
    return choices if linked is None else tuple(sorted({*choices, linked}))


def _option_slider(label: str, key: str, choices: Sequence[float], default: float, help_text: str,
                   log_scale: bool = False) -> float:
    choices = _offered(key, choices)
    links.seed(key, default)
    _keep_on_options(key, choices, log_scale)
    return st.select_slider(label, options=choices, key=key, format_func=_number_label, help=help_text,
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


def _hyperparameter_slider(surface: Surface, owner: str, hp_name: str, optimizer: str) -> None:
    hyperparameter, key, choices = _hyperparameter_value(surface, owner, hp_name, optimizer)
    st.select_slider(hyperparameter.label, options=choices, key=key, format_func=_number_label,
                     help=hyperparameter.help, persist_state=links.KEEP_WHILE_HIDDEN)


def _hyperparameter_value(surface: Surface, owner: str, hp_name: str, optimizer: str
                          ) -> tuple[Hyperparameter, str, Sequence[float]]:
    """Seed the value of ``owner``'s ``hp_name`` on its slider's options (alone: for a slider not drawn, its
    section being closed); returns the hyperparameter, its key and the options offered. The default
    (``optimizer``'s on ``surface``, snapped among the options) is worked out only while there is no value."""
    hyperparameter = OPTIMIZERS[optimizer].hyperparameter(hp_name)
    key = state.hp_key(owner, hp_name)
    choices = _offered(key, hyperparameter.options)
    if key not in st.session_state:
        st.session_state[key] = options.hyperparameter_default(surface, OPTIMIZERS[optimizer], hp_name)
    _keep_on_options(key, choices, hyperparameter.log_scale)
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


def _fill_slider_group(surface: Surface, group: SliderGroup) -> None:
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


def _same_for_all() -> bool:
    return bool(st.toggle("Same hyperparameters for all", key=state.SAME_FOR_ALL,
                          help="One set of sliders drives every optimizer (each uses the ones it has): the "
                               "learning rate, and the others where the optimizers' defaults agree."))


def _slider_groups(surface: Surface, chosen: Sequence[str], same_for_all: bool) -> tuple[SliderGroup, ...]:
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
                value = _number_label(st.session_state[state.hp_key(name, hp.name)])
                kept.setdefault(hp.label, []).append(f"{OPTIMIZERS[name].short_title} {value}")
    if kept:
        st.caption("Not shared, as the optimizers' defaults differ; each keeps its own "
                   "(switch “Same hyperparameters for all” off to change them): "
                   + "; ".join(f"{label}: {', '.join(values)}" for label, values in kept.items()) + ".")


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
                             format_func=_number_label,
                             help="Adds σ·N(0, 1) to each gradient component: stochastic gradients, as in SGD.")
    links.seed(state.SEED, 0)
    seed = st.number_input("Noise seed", 0, MAX_SEED, step=1, key=state.SEED,
                           help="The same seed gives every optimizer the same noise, so the comparison is fair.")
    return (float(x), float(y)), float(noise), int(seed)


def render_sidebar() -> PageChoices:
    """Draw the page-shaping controls in ``st.sidebar``, with boxes for :func:`render_run_controls`."""
    with st.sidebar:
        _presets()
        surface = _surface()
        surface_params = _surface_params(surface)
        chosen = _optimizers()
        same_for_all = _same_for_all()
        slider_groups = _slider_groups(surface, chosen, same_for_all)
        st.divider()
        steps = _steps()
        start, noise, seed = _start_and_noise(surface)
    return PageChoices(surface.name, tuple(chosen), steps, surface_params, same_for_all, start, noise, seed,
                       slider_groups)


def render_hyperparameters(page: PageChoices) -> tuple[tuple[str, dict[str, float]], ...]:
    """Draw the hyperparameter sliders into the boxes ``render_sidebar`` left (call from the results
    fragment); returns each optimizer with the values its sliders (or the shared ones) hold."""
    surface = get_surface(page.surface)
    for group in page.slider_groups:
        _fill_slider_group(surface, group)
    chosen, same_for_all = page.optimizers, page.same_for_all

    def value(name: str, hp_name: str) -> float:
        return st.session_state[state.hp_key(state.owner_of(chosen, same_for_all, name, hp_name), hp_name)]

    return tuple((name, {hp.name: value(name, hp.name) for hp in OPTIMIZERS[name].hyperparameters})
                 for name in chosen)
