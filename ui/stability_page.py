"""The "Stability map" page: which learning rates and momenta converge, crawl or blow up — and why.

Sidebar (:mod:`ui.stability_controls`): surface, optimizer, start, steps, grid size, learning-rate range and
colouring. Main area, three tabs:

- Map: a learning-rate × momentum (or β1) grid of complete runs, coloured by outcome, with the classical
  stability limits drawn on the quadratics; clicking a cell shows that run's path and loss curve.
- Fan: the paths of eight learning rates on one contour map.
- Tune: each chosen optimizer's learning rate searched on the same surface (``simulation.tuning``), tuned vs
  default side by side, with the objective stated.

Every computation is a cached call into the core (:mod:`ui.stability_compute`); the words are
:mod:`ui.stability_text`'s. Invalid input becomes one line of ``st.error``, never a traceback. The sidebar's
controls live in the URL (:mod:`ui.stability_state`), so a link restores the map.
"""
from __future__ import annotations

import math
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import streamlit as st

from optimizers.registry import OPTIMIZERS
from simulation import tuning
from simulation.settings import Settings
from simulation.sweep import SweepResult, quadratic_theory
from ui import compute, links, state
from ui.playground_url import encode as encode_playground
from ui.stability_compute import cached_best_cell, cached_sweep, cached_tuning
from ui.stability_controls import PageInputs, base_settings, settings_for, sidebar_inputs, sync_url
from ui.stability_state import (DEFAULT_TAB, FAN_SIZE, OPTIMIZER_KEY, SELECTED_KEY, TAB_KEY, TABS, URL_NOTES_KEY,
                                URL_SEEN_KEY, decode)
from ui.stability_text import (MOMENTUM_RULES, TUNE_CAPTION, TUNE_INTRO, all_descending_note, describe_run,
                               fan_caption, fixed_momentum_note, intro, objective_text, outcome_text,
                               theory_caption)
from ui.views import PLOT_CONFIG
from validation import ValidationError
from viz.paths import surface_markers
from viz.result_figures import loss_figure, map_figure
from viz.stability import Cell, fan_figure, second_axis, stability_figure
from viz.stability_colors import DESCENDING, outcome_classes

MAP_CHART_KEY = "stability.map_chart"
TUNE_OPTIMIZERS_KEY = "stability.tune_optimizers"
TUNE_REQUESTED_KEY = "stability.tune_requested"

TUNE_DEFAULT = ("gd", "momentum", "adam")
RANGE_SLACK = 1e-9  # relative: a clicked edge cell still counts as on the map after float round trips
PLAYGROUND_URL = "./"  # the playground is the app's default page; it reads its controls from the query


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


def clicked_cell(inputs: PageInputs) -> Cell | None:
    """The clicked cell, if it was clicked for this optimizer and is still on the map."""
    chosen = st.session_state.get(SELECTED_KEY)
    if chosen is not None and chosen[0] == inputs.optimizer and _on_map(chosen[1], inputs):
        return Cell(chosen[1], chosen[2])
    return None


def shown_cell(clicked: Cell | None, inputs: PageInputs, result: SweepResult, settings: Settings) -> Cell:
    """The ``clicked`` cell (:func:`clicked_cell`), else the map's best cell."""
    if clicked is not None:
        return clicked
    row, col = cached_best_cell(settings, inputs.lr_range, inputs.grid)
    return Cell(float(result.lrs[col]), float(result.seconds[row]))


def playground_url(inputs: PageInputs, cell: Cell) -> str:
    """A link that opens exactly this run in the playground (whose sliders then offer its η and second value,
    wherever they fall between their options)."""
    optimizer = inputs.optimizer
    controls = {state.SURFACE: inputs.surface, state.OPTIMIZERS_KEY: [optimizer], state.STEPS: inputs.steps,
                state.START_X: inputs.start[0], state.START_Y: inputs.start[1],
                state.hp_key(optimizer, "lr"): cell.lr, state.hp_key(optimizer, inputs.second_name): cell.second}
    controls.update({state.surface_param_key(name): value for name, value in inputs.surface_params})
    return f"{PLAYGROUND_URL}?{urlencode(encode_playground(controls))}"


def _render_cell_path(inputs: PageInputs, cell: Cell, clicked: bool) -> None:
    symbol = OPTIMIZERS[inputs.optimizer].hyperparameter(inputs.second_name).symbol
    settings = base_settings(inputs, {"lr": cell.lr, inputs.second_name: cell.second})
    result = compute.simulate(settings)
    how = "the cell you clicked" if clicked else "the best cell of the map (click another one)"
    st.subheader(f"Path of η = {cell.lr:.3g}, {symbol} = {cell.second:.3f}")
    st.caption(f"Showing {how}: it {describe_run(result)}.")
    st.link_button("Open this run in the playground", playground_url(inputs, cell), icon=":material/open_in_new:",
                   help=f"Opens in a new tab with this cell's exact η and {symbol}.")
    grid = compute.grid(inputs.surface, inputs.surface_params)
    left, right = st.columns(2)
    left.plotly_chart(map_figure(result, grid), key="stability.cell_map", config=PLOT_CONFIG)
    right.plotly_chart(loss_figure(result), key="stability.cell_loss", config=PLOT_CONFIG)


def render_map_tab(inputs: PageInputs, settings: Settings, result: SweepResult, cell: Cell, clicked: bool
                   ) -> None:
    """The clickable map with its theory, then the path and loss curve of the shown cell."""
    theory = quadratic_theory(settings)
    rule = OPTIMIZERS[inputs.optimizer].stability_rule
    draw_theory = theory is not None and rule in MOMENTUM_RULES
    spec = settings.surface_spec
    title = f"{OPTIMIZERS[inputs.optimizer].title} on {spec.title}: {inputs.steps} steps per cell"
    figure = stability_figure(result, inputs.color_by, spec.min_value, theory if draw_theory else None,
                              rule, cell, title)
    st.plotly_chart(figure, key=MAP_CHART_KEY, on_select=_on_cell_click, selection_mode="points",
                    config=PLOT_CONFIG)
    if (inputs.color_by == "outcome" and spec.min_value is not None
            and np.all(outcome_classes(result, spec.min_value) == DESCENDING)):
        st.info(all_descending_note(inputs.steps), icon=":material/palette:")
    if theory is not None:
        st.info(theory_caption(theory, rule))
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
    symbol = second_axis(result).symbol
    title = f"{FAN_SIZE} learning rates, {symbol} = {cell.second:.3f}"
    st.plotly_chart(fan_figure(grid.xs, grid.ys, grid.zs, lrs, fan.positions, fan.losses, fan.diverged_at,
                               surface_markers(spec, settings.start), spec.log_color, title),
                    key="stability.fan", config=PLOT_CONFIG)
    st.caption(fan_caption(second_axis(result)))


# ---- tune tab -------------------------------------------------------------------------------------------------

def tuning_table(tuned: tuple[tuning.TunedRun, ...]) -> pd.DataFrame:
    """One row per optimizer: default and tuned learning rates with what each achieved."""
    return pd.DataFrame([{
        "optimizer": OPTIMIZERS[t.run.optimizer].title,
        "default η": f"{t.default.lr:.3g}", "with the default": outcome_text(t.default),
        "tuned η": f"{t.tuned.lr:.3g}", "tuned": outcome_text(t.tuned),
    } for t in tuned])


def _render_tuned(inputs: PageInputs, names: list[str]) -> None:
    settings = settings_for(inputs, [(name, {}) for name in names])
    tuned = cached_tuning(settings)
    st.dataframe(tuning_table(tuned), hide_index=True)
    st.caption(TUNE_CAPTION)
    theory = quadratic_theory(settings)
    heavy = [t.run for t in tuned if t.run.spec.stability_rule == "heavy_ball"]
    note = fixed_momentum_note(theory, heavy[0].values["momentum"]) if theory is not None and heavy else None
    if note is not None:
        st.info(note, icon=":material/info:")
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
    st.markdown(TUNE_INTRO)
    names = st.multiselect("Optimizers", list(OPTIMIZERS), default=list(TUNE_DEFAULT), key=TUNE_OPTIMIZERS_KEY,
                           format_func=lambda name: OPTIMIZERS[name].title, persist_state=links.KEEP_WHILE_HIDDEN)
    st.markdown(objective_text())
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
    intro_slot = st.empty()  # filled once the sidebar has chosen the optimizer, whose rows it names
    with links.following_the_address(decode, URL_SEEN_KEY, URL_NOTES_KEY):
        links.show_url_notes(URL_NOTES_KEY)
        try:
            _render_page(intro_slot)
        except ValidationError as error:
            st.error(str(error))


def _render_page(intro_slot) -> None:
    inputs = sidebar_inputs()
    if st.session_state.get(TAB_KEY) not in TABS.values():
        st.session_state[TAB_KEY] = TABS[DEFAULT_TAB]
    tab = next(name for name, label in TABS.items() if label == st.session_state[TAB_KEY])
    clicked = clicked_cell(inputs)
    sync_url(inputs, tab, None if clicked is None else (clicked.lr, clicked.second))
    settings = base_settings(inputs)
    result = cached_sweep(settings, inputs.lr_range, inputs.grid)
    intro_slot.markdown(intro(second_axis(result)))
    cell = shown_cell(clicked, inputs, result, settings)
    # Only the open tab is drawn: switching tabs reruns the page (and puts the tab into the URL).
    map_tab, fan_tab, tune_tab = st.tabs(list(TABS.values()), key=TAB_KEY, on_change="rerun")
    if map_tab.open:
        with map_tab:
            render_map_tab(inputs, settings, result, cell, clicked is not None)
    if fan_tab.open:
        with fan_tab:
            render_fan_tab(inputs, result, cell)
    if tune_tab.open:
        with tune_tab:
            render_tune_tab(inputs)
