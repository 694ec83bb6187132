"""The "Stability map" page: which learning rates and momenta converge, crawl or blow up — and why.

Sidebar: surface (κ for the quadratic), optimizer, start, steps, grid size, learning-rate range and colouring.
Main area, three tabs:

- Map: a learning-rate × momentum (or β1) grid of complete runs, coloured by outcome, with the classical
  stability limits drawn on the quadratics; clicking a cell shows that run's path and loss curve.
- Fan: the paths of eight learning rates on one contour map.
- Tune: each chosen optimizer's learning rate searched on the same surface (``simulation.tuning``), tuned vs
  default side by side, with the objective stated.

Every computation is a cached call into the core (all inputs are arguments); invalid input becomes one line of
``st.error``, never a traceback. The sidebar's controls live in the URL (:mod:`ui.stability_state`), so a
link restores the map.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import streamlit as st

from landscapes.registry import SURFACES, Surface, get_surface
from simulation import diagnostics, tuning
from simulation.engine import Result
from optimizers.registry import OPTIMIZERS, Optimizer, get_optimizer
from simulation.settings import Settings, make_settings
from simulation.sweep import DEFAULT_TOLERANCE, QuadraticTheory, SweepResult, quadratic_theory, sweep, sweep_axes
from ui import compute, jobs, links, options, state
from ui.stability_state import (COLOR_KEY, CONDITION_KEY, DEFAULT_GRID, DEFAULT_OPTIMIZER, DEFAULT_STEPS,
                                DEFAULT_SURFACE, GRID_KEY, GRID_OPTIONS, LINKED_LR_RANGE_KEY, OPTIMIZER_KEY,
                                STEP_OPTIONS, STEPS_KEY, SURFACE_KEY, SWEEPABLE, URL_APPLIED_KEY, URL_NOTES_KEY,
                                color_modes, decode, encode, lr_range_key, start_keys)
from ui.views import PLOT_CONFIG
from validation import ValidationError
from viz.paths import surface_markers
from viz.result_figures import loss_figure, map_figure
from viz.stability import COLOR_MODES, SECOND_AXIS_SYMBOLS, Cell, fan_figure, stability_figure

MAP_CHART_KEY = "stability.map_chart"
SELECTED_KEY = "stability.selected"  # (optimizer, lr, second): the cell whose path the map tab shows
TUNE_OPTIMIZERS_KEY = "stability.tune_optimizers"
TUNE_REQUESTED_KEY = "stability.tune_requested"

SECOND_RANGE = (0.0, 0.99)  # 1 would never forget a gradient (torch refuses it); 0.99 is the usual maximum
DECADES_BELOW, DECADES_ABOVE = 2, 1  # default map range around the suggested learning rate
THEORY_OPTIMIZERS = ("momentum", "nag")  # the methods whose stability limit on a quadratic is drawn
FAN_SIZE = 8
TUNE_DEFAULT = ("gd", "momentum", "adam")
CACHE_ENTRIES = 16  # a lesson's worth of maps and tunings per server; a 150 × 150 map is about 0.5 MB
START_STEP = 0.1  # the start inputs move in tenths: the surfaces' domains span a few units
RANGE_SLACK = 1e-9  # relative: a clicked edge cell still counts as on the map after float round trips
PLAYGROUND_URL = "./"  # the playground is the app's default page; it reads its controls from the query

INTRO = (
    "Every cell of the map is one complete run: the same surface, start and number of steps, with the "
    "learning rate η of its column and the momentum of its row. The colour tells how the run ended. Too small "
    "a step crawls (left), too large a step blows up (right, dark red), and the fastest settings sit just "
    "left of the edge. **Click a cell** to watch its path.")
COLOR_HELP = ("Final loss: how close to the minimum the run ended (log scale). Steps to converge: the first "
              "step with the loss within {tol:g} of the minimum. Outcome: one colour per kind of ending.")


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


# ---- cached computations (every input is an argument) -------------------------------------------------------

def cached_sweep(settings: Settings, lr_range: tuple[float, float], grid: int) -> SweepResult:
    """The map: ``grid`` log-spaced learning rates × ``grid`` values of the optimizer's second axis, computed
    once for every session asking for it (:mod:`ui.jobs`)."""
    def work(report, cancelled) -> SweepResult:
        lrs = np.logspace(math.log10(lr_range[0]), math.log10(lr_range[1]), grid)
        seconds = np.linspace(*SECOND_RANGE, grid)
        return sweep(settings, lrs, sweep_axes(settings.runs[0].optimizer)[0], seconds)
    return jobs.shared_result("stability map", (settings, lr_range, grid), work, "Running every cell of the map …",
                              keep=CACHE_ENTRIES)


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def cached_best_cell(settings: Settings, lr_range: tuple[float, float], grid: int) -> tuple[int, int]:
    """(row, column) of the map's best cell on the tuning objective (a Python loop over cells: cache it)."""
    result = cached_sweep(settings, lr_range, grid)
    return tuning.best_cell(result, tuning.target_loss(settings, DEFAULT_TOLERANCE))


def cached_tuning(settings: Settings) -> tuple[tuning.TunedRun, ...]:
    """The tuned learning rates, searched once for every session asking for them (:mod:`ui.jobs`)."""
    return jobs.shared_result("tuning", settings, lambda report, cancelled: tuning.tune(settings),
                              "Searching learning rates …", keep=CACHE_ENTRIES)


# ---- sidebar ------------------------------------------------------------------------------------------------

def suggested_lr(surface: Surface, optimizer: Optimizer, theory: QuadraticTheory | None) -> float:
    """A learning rate near the interesting part of the map: the theory's limit, or the playground's default."""
    if theory is not None and not optimizer.adaptive:
        return theory.gd_max_lr
    return options.hyperparameter_default(surface, optimizer, "lr")


def default_lr_range(suggestion: float) -> tuple[float, float]:
    """The learning-rate options from two decades below ``suggestion`` to one above (snapped to options)."""
    return tuple(options.snap(value, options.LR_OPTIONS, log_scale=True)
                 for value in (suggestion / 10 ** DECADES_BELOW, suggestion * 10 ** DECADES_ABOVE))


def two_ended(lr_range: tuple[float, float]) -> tuple[float, float]:
    """``lr_range``, or when both ends are the same option, that option and its neighbour (a map needs a
    range of learning rates to have any cells)."""
    low, high = lr_range
    if low != high:
        return low, high
    index = options.LR_OPTIONS.index(low)
    if index + 1 < len(options.LR_OPTIONS):
        return low, options.LR_OPTIONS[index + 1]
    return options.LR_OPTIONS[index - 1], high


def _surface_controls() -> tuple[Surface, tuple[tuple[str, float], ...]]:
    links.seed(SURFACE_KEY, DEFAULT_SURFACE)
    surface = get_surface(st.sidebar.selectbox("Surface", list(SURFACES), key=SURFACE_KEY,
                                               format_func=lambda name: SURFACES[name].title))
    params = {}
    for param in surface.params:
        links.seed(CONDITION_KEY, param.default)
        params[param.name] = float(st.sidebar.select_slider("Condition number κ", options.CONDITION_OPTIONS,
                                                            key=CONDITION_KEY, help=param.help))
    return surface, tuple(params.items())


def _start_controls(surface: Surface) -> tuple[float, float]:
    left, right = st.sidebar.columns(2)
    (x0, y0), (key_x, key_y) = surface.default_start, start_keys(surface.name)
    links.seed(key_x, float(x0))
    links.seed(key_y, float(y0))
    x = left.number_input("Start x", step=START_STEP, key=key_x)
    y = right.number_input("Start y", step=START_STEP, key=key_y)
    return float(x), float(y)


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
    theory = quadratic_theory(make_settings(surface.name, [(optimizer.name, {})], surface_params=dict(params)))
    linked = st.session_state.pop(LINKED_LR_RANGE_KEY, None)
    lr_range = st.sidebar.select_slider(
        "Learning-rate range", options.LR_OPTIONS,
        value=linked or default_lr_range(suggested_lr(surface, optimizer, theory)),
        format_func=lambda v: f"{v:g}", help="The map's learning-rate axis (log scale).",
        key=lr_range_key(surface.name, optimizer.name, params))
    range_note = st.sidebar.empty()  # a slot that stays when empty, so the controls below never move
    widened = two_ended(lr_range)
    if widened != tuple(lr_range):
        lr_range = widened
        range_note.caption(f"The range needs two different ends: showing {lr_range[0]:g} to {lr_range[1]:g}.")
    modes = color_modes(surface)
    if st.session_state.get(COLOR_KEY) not in modes:
        st.session_state[COLOR_KEY] = modes[0]
    color_by = st.sidebar.radio("Colour cells by", modes, format_func=COLOR_MODES.get, key=COLOR_KEY,
                                help=COLOR_HELP.format(tol=DEFAULT_TOLERANCE))
    return PageInputs(surface.name, params, optimizer.name, start, steps, grid,
                      (float(lr_range[0]), float(lr_range[1])), color_by)


def _sync_url(inputs: PageInputs) -> None:
    links.update_url(encode(inputs.surface, inputs.surface_params, inputs.optimizer, inputs.start, inputs.steps,
                            inputs.grid, inputs.lr_range, inputs.color_by))


def settings_for(inputs: PageInputs, runs) -> Settings:
    """``runs`` (``(optimizer, hyperparameters)`` pairs or OptimizerRuns) on the sidebar's surface, start, steps."""
    return make_settings(inputs.surface, runs, steps=inputs.steps, start=inputs.start,
                         surface_params=dict(inputs.surface_params))


def base_settings(inputs: PageInputs, hyperparams: dict | None = None) -> Settings:
    """The map's optimizer with ``hyperparams`` (torch's defaults for the rest)."""
    return settings_for(inputs, [(inputs.optimizer, hyperparams or {})])


# ---- map tab --------------------------------------------------------------------------------------------------

def _on_cell_click() -> None:
    """Remember the clicked cell (runs before the rerun, so the map already outlines it)."""
    points = st.session_state[MAP_CHART_KEY].selection.points
    if points:
        st.session_state[SELECTED_KEY] = (st.session_state[OPTIMIZER_KEY], float(points[0]["x"]),
                                          float(points[0]["y"]))


def _on_map(lr: float, inputs: PageInputs) -> bool:
    low, high = inputs.lr_range
    return low * (1 - RANGE_SLACK) <= lr <= high * (1 + RANGE_SLACK)


def shown_cell(inputs: PageInputs, result: SweepResult, settings: Settings) -> tuple[Cell, bool]:
    """The clicked cell (if it was clicked for this optimizer and is still on the map), else the map's best
    cell; and whether it was clicked."""
    chosen = st.session_state.get(SELECTED_KEY)
    if chosen is not None and chosen[0] == inputs.optimizer and _on_map(chosen[1], inputs):
        return Cell(chosen[1], chosen[2]), True
    row, col = cached_best_cell(settings, inputs.lr_range, inputs.grid)
    return Cell(float(result.lrs[col]), float(result.seconds[row])), False


def theory_caption(theory: QuadraticTheory, optimizer: str) -> str:
    """What the lines on the map mean, with this quadratic's numbers."""
    facts = (f"This surface is a quadratic with curvatures λ_min = {theory.lam_min:g} and "
             f"λ_max = {theory.lam_max:g} (condition number κ = {theory.condition:g}). ")
    gd = (f"Plain gradient descent (μ = 0, the bottom row) diverges once η > 2/λ_max = {theory.gd_max_lr:.3g} "
          "(dashed line): the step overshoots the steepest direction by more than it gains. ")
    if optimizer not in THEORY_OPTIMIZERS:
        return ("The lines of gradient-descent theory are not drawn for adaptive methods: they rescale every "
                "step by the gradients' own size, so their boundary lies elsewhere. " + facts)
    if optimizer == "nag":
        return (facts + gd + "Nesterov momentum with μ = 0 is gradient descent; for μ > 0 it converges for "
                "η < 2(1+μ)/((1+2μ)·λ_max) (solid line), a little left of heavy ball's 2(1+μ)/λ_max — "
                "braking early costs step size.")
    return (facts + gd + "Heavy-ball momentum converges for 0 ≤ μ < 1 and η < 2(1+μ)/λ_max (solid line): "
            "momentum buys a larger stable step. The fastest setting (Polyak) is "
            f"η* = 4/(√λ_max + √λ_min)² = {theory.optimal_lr:.3g} and μ* = ((√κ − 1)/(√κ + 1))² = "
            f"{theory.optimal_beta:.3f} (star): the more elongated the bowl, the more momentum pays.")


def describe_run(result: Result, tolerance: float = DEFAULT_TOLERANCE) -> str:
    """One sentence on how run 0 of ``result`` ended (from the playground's numbers-table summary)."""
    row = diagnostics.summarize(result, tolerance)[0]
    if row.diverged_at is not None:
        return f"diverged at step {row.diverged_at}"
    if row.steps_to_tolerance is not None:
        return f"reached the minimum (loss within {tolerance:g}) at step {row.steps_to_tolerance}"
    return f"ended at loss {row.final_loss:.4g} after {result.settings.steps} steps"


def playground_url(inputs: PageInputs, cell: Cell) -> str:
    """A link that opens this run in the playground (which snaps each value to its nearest slider option)."""
    optimizer = inputs.optimizer
    controls = {state.SURFACE: inputs.surface, state.OPTIMIZERS_KEY: [optimizer], state.STEPS: inputs.steps,
                state.START_X: inputs.start[0], state.START_Y: inputs.start[1],
                state.hp_key(optimizer, "lr"): cell.lr, state.hp_key(optimizer, inputs.second_name): cell.second}
    controls.update({state.surface_param_key(name): value for name, value in inputs.surface_params})
    return f"{PLAYGROUND_URL}?{urlencode(state.encode(controls))}"


def _render_cell_path(inputs: PageInputs, cell: Cell, clicked: bool) -> None:
    symbol = SECOND_AXIS_SYMBOLS[inputs.second_name]
    settings = base_settings(inputs, {"lr": cell.lr, inputs.second_name: cell.second})
    result = compute.simulate(settings)
    how = "the cell you clicked" if clicked else "the best cell of the map (click another one)"
    st.subheader(f"Path of η = {cell.lr:.3g}, {symbol} = {cell.second:.3f}")
    st.caption(f"Showing {how}: it {describe_run(result)}.")
    st.link_button("Open this run in the playground", playground_url(inputs, cell), icon=":material/open_in_new:",
                   help="Opens in a new tab; the playground's sliders round η and μ to their nearest options.")
    grid = compute.grid(inputs.surface, inputs.surface_params)
    left, right = st.columns(2)
    left.plotly_chart(map_figure(result, grid), key="stability.cell_map", config=PLOT_CONFIG)
    right.plotly_chart(loss_figure(result), key="stability.cell_loss", config=PLOT_CONFIG)


def render_map_tab(inputs: PageInputs, settings: Settings, result: SweepResult, cell: Cell, clicked: bool
                   ) -> None:
    """The clickable map with its theory, then the path and loss curve of the shown cell."""
    theory = quadratic_theory(settings)
    draw_theory = theory is not None and inputs.optimizer in THEORY_OPTIMIZERS
    spec = settings.surface_spec
    title = f"{OPTIMIZERS[inputs.optimizer].title} on {spec.title}: {inputs.steps} steps per cell"
    figure = stability_figure(result, inputs.color_by, spec.min_value, theory if draw_theory else None,
                              inputs.optimizer if draw_theory else None, cell, title)
    st.plotly_chart(figure, key=MAP_CHART_KEY, on_select=_on_cell_click, selection_mode="points",
                    config=PLOT_CONFIG)
    if theory is not None:
        st.info(theory_caption(theory, inputs.optimizer))
    _render_cell_path(inputs, cell, clicked)


# ---- fan tab --------------------------------------------------------------------------------------------------

def fan_lrs(inputs: PageInputs, result: SweepResult, cell: Cell) -> np.ndarray:
    """``FAN_SIZE`` log-spaced learning rates from the map's smallest to the first one that fails in the
    shown cell's row (or the map's largest), so at most one path shows what failure looks like."""
    row = int(np.argmin(np.abs(result.seconds - cell.second)))
    failing = np.flatnonzero(result.unstable[row])
    high = result.lrs[failing[0]] if failing.size and failing[0] > 0 else inputs.lr_range[1]
    return np.logspace(math.log10(inputs.lr_range[0]), math.log10(high), FAN_SIZE)


def render_fan_tab(inputs: PageInputs, result: SweepResult, cell: Cell) -> None:
    """Eight learning rates at the shown cell's momentum, on one contour map."""
    lrs = fan_lrs(inputs, result, cell)
    runs = [(inputs.optimizer, {"lr": float(lr), inputs.second_name: cell.second}) for lr in lrs]
    settings = settings_for(inputs, runs)
    fan = compute.simulate(settings)
    grid = compute.grid(inputs.surface, inputs.surface_params)
    spec = settings.surface_spec
    symbol = SECOND_AXIS_SYMBOLS[inputs.second_name]
    title = f"{FAN_SIZE} learning rates, {symbol} = {cell.second:.3f}"
    st.plotly_chart(fan_figure(grid.xs, grid.ys, grid.zs, lrs, fan.positions, fan.losses, fan.diverged_at,
                               surface_markers(spec, settings.start), spec.log_color, title),
                    key="stability.fan", config=PLOT_CONFIG)
    st.caption("Dark paths take small steps and crawl; brighter ones take larger steps and overshoot. The "
               "brightest is the first learning rate of the map's row that fails (a cross marks where a run "
               "diverged). The momentum is that of the cell shown on the map tab.")


# ---- tune tab -------------------------------------------------------------------------------------------------

def outcome_text(outcome: tuning.Outcome) -> str:
    """How a candidate run ended, for the table."""
    if outcome.diverged:
        return f"diverged at step {outcome.diverged_at}"
    if outcome.steps_to_tolerance >= 0 and math.isfinite(outcome.final_loss):
        return f"final loss {outcome.final_loss:.3g}, minimum reached at step {outcome.steps_to_tolerance}"
    return f"final loss {outcome.final_loss:.4g}"


def tuning_table(tuned: tuple[tuning.TunedRun, ...]) -> pd.DataFrame:
    """One row per optimizer: default and tuned learning rates with what each achieved."""
    return pd.DataFrame([{
        "optimizer": OPTIMIZERS[t.run.optimizer].title,
        "default η": f"{t.default.lr:.3g}", "with the default": outcome_text(t.default),
        "tuned η": f"{t.tuned.lr:.3g}", "tuned": outcome_text(t.tuned),
    } for t in tuned])


def _objective_text() -> str:
    grid = tuning.lr_grid()
    return (f"**Objective:** {tuning.OBJECTIVE}. Each optimizer tries {grid.size} learning rates from "
            f"{grid[0]:g} to {grid[-1]:g} ({tuning.LR_POINTS_PER_DECADE} per factor of ten) plus its default, "
            "with every other hyperparameter at its torch.optim default, the same start and steps, and no "
            f"noise; “the minimum” means a loss within {DEFAULT_TOLERANCE:g} of it.")


def _render_tuned(inputs: PageInputs, names: list[str]) -> None:
    settings = settings_for(inputs, [(name, {}) for name in names])
    tuned = cached_tuning(settings)
    st.dataframe(tuning_table(tuned), hide_index=True)
    st.caption("With every learning rate tuned, the step at which each optimizer reached the minimum is the "
               "fair race; with the defaults, the race mostly measures how well each default suits this surface.")
    tuned_settings = settings_for(inputs, [t.tuned_run for t in tuned])
    grid = compute.grid(inputs.surface, inputs.surface_params)
    left, right = st.columns(2)
    with left:
        st.markdown("**Default learning rates** (torch.optim)")
        st.plotly_chart(map_figure(compute.simulate(settings), grid), key="stability.tune_default",
                        config=PLOT_CONFIG)
    with right:
        st.markdown("**Tuned learning rates**")
        st.plotly_chart(map_figure(compute.simulate(tuned_settings), grid), key="stability.tune_tuned",
                        config=PLOT_CONFIG)


def render_tune_tab(inputs: PageInputs) -> None:
    """A fair comparison: every chosen optimizer gets its learning rate searched on this surface."""
    st.markdown("Comparing optimizers at their default learning rates mostly compares the defaults. "
                "Here each one gets the same budget of trial runs to find its best learning rate first, on the "
                "surface, start and number of steps chosen in the sidebar.")
    names = st.multiselect("Optimizers", list(OPTIMIZERS), default=list(TUNE_DEFAULT), key=TUNE_OPTIMIZERS_KEY,
                           format_func=lambda name: OPTIMIZERS[name].title)
    st.markdown(_objective_text())
    if st.button("Tune learning rates", type="primary", key="stability.tune_button"):
        st.session_state[TUNE_REQUESTED_KEY] = True
    if not names:
        st.info("Choose at least one optimizer.")
    elif st.session_state.get(TUNE_REQUESTED_KEY):
        _render_tuned(inputs, names)


# ---- page -----------------------------------------------------------------------------------------------------

def render() -> None:
    """The whole page: sidebar controls, then the map, fan and tune tabs."""
    st.title("Stability map")
    st.markdown(INTRO)
    links.restore_from_url(decode, URL_APPLIED_KEY, URL_NOTES_KEY)
    links.show_url_notes(URL_NOTES_KEY)
    try:
        inputs = sidebar_inputs()
        _sync_url(inputs)
        settings = base_settings(inputs)
        result = cached_sweep(settings, inputs.lr_range, inputs.grid)
        cell, clicked = shown_cell(inputs, result, settings)
        map_tab, fan_tab, tune_tab = st.tabs(["Map", f"Fan of {FAN_SIZE} learning rates", "Tune (fair comparison)"])
        with map_tab:
            render_map_tab(inputs, settings, result, cell, clicked)
        with fan_tab:
            render_fan_tab(inputs, result, cell)
        with tune_tab:
            render_tune_tab(inputs)
    except ValidationError as error:
        st.error(str(error))
