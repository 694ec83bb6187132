"""The stability-map page's controls: session-state keys, the values they offer, and their URL form.

A link such as ``?surface=quadratic&condition=100&optimizer=nag&lr=0.001,1&grid=75`` restores the map. As on
the playground, decoding never fails: a bad or hand-edited value falls back to its default with a one-line
note for the page to show (the grammar and the notes are :mod:`ui.url_codec`'s). Plain Python: no Streamlit
calls.
"""
from __future__ import annotations

from typing import Any, Mapping

from landscapes.registry import SURFACES, Surface
from optimizers.registry import LR_OPTIONS, OPTIMIZERS
from simulation.sweep import sweep_axes
from ui import options
from ui.url_codec import START_URL_NAME, Decoder, format_pair, format_value, parse_pair
from validation import Range, ValidationError
from viz.stability_colors import COLOR_MODES

# Session-state and widget keys.
SURFACE_KEY = "stability.surface"
OPTIMIZER_KEY = "stability.optimizer"
STEPS_KEY = "stability.steps"
GRID_KEY = "stability.grid"
COLOR_KEY = "stability.color_by"
TAB_KEY = "stability.tab"  # the open tab's label
SELECTED_KEY = "stability.selected"  # (optimizer, lr, second): the clicked cell whose path the map tab shows
URL_SEEN_KEY = "stability._url_seen"
URL_NOTES_KEY = "stability._url_notes"
SURFACE_PARAM_PREFIX = "stability."  # + a surface parameter's name: its slider's key
# The learning-rate range a link asks for. Not the slider's own key: a range slider must be given its starting
# value as an argument (that is what makes it a range), and Streamlit warns when session state sets it too.
LINKED_LR_RANGE_KEY = "stability._linked_lr_range"

DEFAULT_SURFACE = "ravine"
DEFAULT_OPTIMIZER = "momentum"
SWEEPABLE = tuple(name for name in OPTIMIZERS if sweep_axes(name))  # those with a momentum or β1 axis
STEP_OPTIONS = (50, 100, 200, 300, 500, 1000, 2000)
DEFAULT_STEPS = 300  # enough for the quadratics' good settings to reach the minimum; a 100 × 100 map in ~1 s
GRID_OPTIONS = (25, 50, 75, 100, 150)  # beyond 150 the cells are smaller than a pointer can aim at
DEFAULT_GRID = 100
DEFAULT_COLOR = next(iter(COLOR_MODES))
FAN_SIZE = 8  # learning rates on the fan's one map
TABS = {"map": "Map", "fan": f"Fan of {FAN_SIZE} learning rates", "tune": "Tune (fair comparison)"}  # URL: label
DEFAULT_TAB = "map"

# URL names of the controls.
URL_SURFACE, URL_OPTIMIZER, URL_STEPS, URL_GRID, URL_LR_RANGE, URL_COLOR, URL_TAB, URL_CELL = (
    "surface", "optimizer", "steps", "grid", "lr", "color", "tab", "cell")
LEARNING_RATES = Range(LR_OPTIONS[0], LR_OPTIONS[-1])


def start_keys(surface: str) -> tuple[str, str]:
    """Keys of the start inputs, one pair per surface, so switching surfaces starts from that surface's default."""
    return f"stability.start_x.{surface}", f"stability.start_y.{surface}"


def surface_param_key(name: str) -> str:
    """Session key of the surface parameter ``name``'s slider (e.g. the quadratic's condition number)."""
    return f"{SURFACE_PARAM_PREFIX}{name}"


def lr_range_key(surface: str, optimizer: str, surface_params: tuple[tuple[str, float], ...]) -> str:
    """Key of the learning-rate range slider, one per (surface, κ, optimizer): each starts from its own
    sensible range."""
    return f"stability.lr_range.{surface}.{optimizer}.{surface_params}"


def color_modes(surface: Surface) -> list[str]:
    """"Steps to converge" needs a known minimum to converge to."""
    return [m for m in COLOR_MODES if m != "steps" or surface.min_value is not None]


def encode(surface: str, surface_params: tuple[tuple[str, float], ...], optimizer: str,
           start: tuple[float, float], steps: int, grid: int, lr_range: tuple[float, float],
           color_by: str, tab: str, cell: tuple[float, float] | None) -> dict[str, str]:
    """URL query parameters for the page's controls, the open tab (a key of :data:`TABS`) and the clicked
    cell ``(lr, second)`` (None: none clicked, the map shows its best cell)."""
    params = {URL_SURFACE: surface}
    params.update({name: format_value(value) for name, value in surface_params})
    params.update({URL_OPTIMIZER: optimizer, START_URL_NAME: format_pair(start), URL_STEPS: str(steps),
                   URL_GRID: str(grid), URL_LR_RANGE: format_pair(lr_range), URL_COLOR: color_by, URL_TAB: tab})
    if cell is not None:
        params[URL_CELL] = format_pair(cell)
    return params


def decode(params: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Session-state values and notes from URL query parameters (missing ones are simply left out)."""
    d = Decoder(params)
    d.choice(URL_SURFACE, SURFACE_KEY, tuple(SURFACES), DEFAULT_SURFACE)
    surface = SURFACES[d.values.get(SURFACE_KEY, DEFAULT_SURFACE)]
    d.surface_params(surface, surface_param_key)
    d.choice(URL_OPTIMIZER, OPTIMIZER_KEY, SWEEPABLE, DEFAULT_OPTIMIZER)
    d.start(surface, start_keys(surface.name))
    d.option(URL_STEPS, STEPS_KEY, STEP_OPTIONS, DEFAULT_STEPS)
    d.option(URL_GRID, GRID_KEY, GRID_OPTIONS, DEFAULT_GRID)
    _decode_lr_range(d)
    d.choice(URL_COLOR, COLOR_KEY, tuple(color_modes(surface)), DEFAULT_COLOR)
    _decode_tab(d)
    _decode_cell(d, d.values.get(OPTIMIZER_KEY, DEFAULT_OPTIMIZER))
    return d.finish()


def _decode_tab(d: Decoder) -> None:
    """``tab=fan``: the tab to open, stored as its label (what ``st.tabs`` keeps under its key)."""
    d.choice(URL_TAB, TAB_KEY, tuple(TABS), DEFAULT_TAB)
    if TAB_KEY in d.values:
        d.values[TAB_KEY] = TABS[d.values[TAB_KEY]]


def _decode_cell(d: Decoder, optimizer: str) -> None:
    """``cell=LR,SECOND``: the clicked cell of ``optimizer``'s map, kept exactly (a cell off the map shows
    the best cell instead, as a click outside it would)."""
    text = d.pop(URL_CELL)
    if text is None:
        return
    second = OPTIMIZERS[optimizer].hyperparameter(sweep_axes(optimizer)[0])
    try:
        lr, value = parse_pair(text, "LR,SECOND", (URL_CELL, LEARNING_RATES), (URL_CELL, second.allowed))
    except ValidationError as error:
        d.ignored(URL_CELL, text, str(error), "the best cell")
        return
    d.values[SELECTED_KEY] = (optimizer, float(lr), float(value))


def _decode_lr_range(d: Decoder) -> None:
    """``lr=LOW,HIGH`` snapped to the slider's options; a bad range leaves the suggested one (with a note)."""
    text = d.pop(URL_LR_RANGE)
    if text is None:
        return
    try:
        low, high = (options.snap(v, LR_OPTIONS, log_scale=True) for v in parse_pair(
            text, "LOW,HIGH", (URL_LR_RANGE, LEARNING_RATES), (URL_LR_RANGE, LEARNING_RATES)))
        if not low < high:
            raise ValidationError("the first learning rate must be below the second")
    except ValidationError as error:
        d.ignored(URL_LR_RANGE, text, str(error), "the suggested range")
        return
    d.values[LINKED_LR_RANGE_KEY] = (low, high)
