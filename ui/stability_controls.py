"""The stability map's sidebar: surface (κ for the quadratic), optimizer, start, steps, grid size,
learning-rate range and colouring, and the settings they make.

Each control is keyed in :mod:`ui.stability_state`, which also gives its URL form; values are seeded into
``st.session_state`` before a widget is created (a link's values arrive the same way).
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from landscapes.registry import SURFACES, Surface, get_surface
from optimizers.registry import LR_OPTIONS, OPTIMIZERS, get_optimizer
from optimizers.spec import Optimizer
from simulation.settings import CONVERGED_GAP, Settings, make_settings
from simulation.sweep import QuadraticTheory, quadratic_theory, sweep_axes
from ui import links, options
from ui.stability_state import (COLOR_KEY, DEFAULT_GRID, DEFAULT_OPTIMIZER, DEFAULT_STEPS, DEFAULT_SURFACE,
                                GRID_KEY, GRID_OPTIONS, LINKED_LR_RANGE_KEY, OPTIMIZER_KEY, STEP_OPTIONS,
                                STEPS_KEY, SURFACE_KEY, SWEEPABLE, URL_SEEN_KEY, color_modes, encode,
                                lr_range_key, start_keys, surface_param_key)
from ui.stability_text import COLOR_HELP
from viz.stability_colors import COLOR_MODES

DECADES_BELOW, DECADES_ABOVE = 2, 1  # default map range around the suggested learning rate
START_STEP = 0.1  # the start inputs move in tenths: the surfaces' domains span a few units


@dataclass(frozen=True)
class PageInputs:
    """Everything the sidebar chose (validated into :class:`Settings` by :func:`base_settings`)."""

    surface: str
    surface_params: tuple[tuple[str, float], ...]
    optimizer: str
    start: tuple[float, float]
    steps: int
    grid: int
    lr_range: tuple[float, float]
    color_by: str

    @property
    def second_name(self) -> str:
        return sweep_axes(self.optimizer)[0]


def suggested_lr(surface: Surface, optimizer: Optimizer, theory: QuadraticTheory | None) -> float:
    """A learning rate near the interesting part of the map: the theory's limit, or the playground's default."""
    if theory is not None and not optimizer.adaptive:
        return theory.gd_max_lr
    return options.hyperparameter_default(surface, optimizer, "lr")


def default_lr_range(suggestion: float) -> tuple[float, float]:
    """The learning-rate options from two decades below ``suggestion`` to one above (snapped to options)."""
    return tuple(options.snap(value, LR_OPTIONS, log_scale=True)
                 for value in (suggestion / 10 ** DECADES_BELOW, suggestion * 10 ** DECADES_ABOVE))


def two_ended(lr_range: tuple[float, float]) -> tuple[float, float]:
    """``lr_range``, or when both ends are the same option, that option and its neighbour (a map needs a
    range of learning rates to have any cells)."""
    low, high = lr_range
    if low != high:
        return low, high
    index = LR_OPTIONS.index(low)
    if index + 1 < len(LR_OPTIONS):
        return low, LR_OPTIONS[index + 1]
    return LR_OPTIONS[index - 1], high


def _surface_controls() -> tuple[Surface, tuple[tuple[str, float], ...]]:
    links.seed(SURFACE_KEY, DEFAULT_SURFACE)
    surface = get_surface(st.sidebar.selectbox("Surface", list(SURFACES), key=SURFACE_KEY,
                                               format_func=lambda name: SURFACES[name].title))
    params = {}
    for param in surface.params:
        key = surface_param_key(param.name)
        links.seed(key, param.default)
        params[param.name] = float(st.sidebar.select_slider(param.label.capitalize(), param.options, key=key,
                                                            help=param.help))
    return surface, tuple(params.items())


def _start_controls(surface: Surface) -> tuple[float, float]:
    left, right = st.sidebar.columns(2)
    (x0, y0), (key_x, key_y) = surface.default_start, start_keys(surface.name)
    links.seed(key_x, float(x0))
    links.seed(key_y, float(y0))
    x = left.number_input("Start x", step=START_STEP, key=key_x)
    y = right.number_input("Start y", step=START_STEP, key=key_y)
    return float(x), float(y)


def _lr_range_control(surface: Surface, optimizer: Optimizer, params: tuple[tuple[str, float], ...]
                      ) -> tuple[float, float]:
    theory = quadratic_theory(make_settings(surface.name, [(optimizer.name, {})], surface_params=dict(params)))
    linked = st.session_state.pop(LINKED_LR_RANGE_KEY, None)
    lr_range = st.sidebar.select_slider(
        "Learning-rate range", LR_OPTIONS,
        value=linked or default_lr_range(suggested_lr(surface, optimizer, theory)),
        format_func=lambda v: f"{v:g}", help="The map's learning-rate axis (log scale).",
        key=lr_range_key(surface.name, optimizer.name, params))
    range_note = st.sidebar.empty()  # a slot that stays when empty, so the controls below never move
    widened = two_ended(lr_range)
    if widened != tuple(lr_range):
        range_note.caption(f"The range needs two different ends: showing {widened[0]:g} to {widened[1]:g}.")
    return float(widened[0]), float(widened[1])


def sidebar_inputs() -> PageInputs:
    """The page's controls, in the sidebar."""
    st.sidebar.header("Stability map")
    surface, params = _surface_controls()
    links.seed(OPTIMIZER_KEY, DEFAULT_OPTIMIZER)
    optimizer = get_optimizer(st.sidebar.selectbox(
        "Optimizer", SWEEPABLE, key=OPTIMIZER_KEY, format_func=lambda name: OPTIMIZERS[name].title,
        help="Optimizers with a momentum or β1 to sweep against the learning rate."))
    start = _start_controls(surface)
    links.seed(STEPS_KEY, DEFAULT_STEPS)
    steps = st.sidebar.select_slider("Steps per run", STEP_OPTIONS, key=STEPS_KEY)
    links.seed(GRID_KEY, DEFAULT_GRID)
    grid = st.sidebar.select_slider("Grid (cells per axis)", GRID_OPTIONS, key=GRID_KEY)
    lr_range = _lr_range_control(surface, optimizer, params)
    modes = color_modes(surface)
    if st.session_state.get(COLOR_KEY) not in modes:
        st.session_state[COLOR_KEY] = modes[0]
    color_by = st.sidebar.radio("Colour cells by", modes, format_func=COLOR_MODES.get, key=COLOR_KEY,
                                help=COLOR_HELP.format(tol=CONVERGED_GAP))
    return PageInputs(surface.name, params, optimizer.name, start, steps, grid, lr_range, color_by)


def sync_url(inputs: PageInputs, tab: str, cell: tuple[float, float] | None) -> None:
    """Put the sidebar's controls, the open ``tab`` and the clicked ``cell`` (or None) into the page URL."""
    links.update_url(encode(inputs.surface, inputs.surface_params, inputs.optimizer, inputs.start, inputs.steps,
                            inputs.grid, inputs.lr_range, inputs.color_by, tab, cell), URL_SEEN_KEY)


def settings_for(inputs: PageInputs, runs) -> Settings:
    """``runs`` (``(optimizer, hyperparameters)`` pairs or OptimizerRuns) on the sidebar's surface, start, steps."""
    return make_settings(inputs.surface, runs, steps=inputs.steps, start=inputs.start,
                         surface_params=dict(inputs.surface_params))


def base_settings(inputs: PageInputs, hyperparams: dict | None = None) -> Settings:
    """The map's optimizer with ``hyperparams`` (torch's defaults for the rest)."""
    return settings_for(inputs, [(inputs.optimizer, hyperparams or {})])
