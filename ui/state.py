"""Session-state keys of the playground's controls, and reading values back from them (plain Python).

Every control's value lives in ``st.session_state`` under a key defined here; :mod:`ui.playground_url` gives
each its URL form. Hyperparameters, surface parameters and schedules have one key per owner and name.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from landscapes.registry import CUSTOM_PREFIX
from optimizers.registry import OPTIMIZERS
from optimizers.schedules import run_defaults
from ui import options
from ui.schedule_picker import DEFAULT_SCHEDULE, choice_key, param_key

# Session-state keys of the controls (their URL names: ui.playground_url).
SURFACE = "surface"  # a registered surface name, or CUSTOM
FORMULA = "formula"  # the text box of the user's own function
OPTIMIZERS_KEY = "optimizers"
STEPS = "steps"
START_X = "start_x"
START_Y = "start_y"
NOISE = "noise"
SEED = "seed"
SAME_FOR_ALL = "same_for_all"
VIEW = "view"
THREE_D = "three_d"
SPEED = "speed"
# Session bookkeeping (not controls).
URL_SEEN = "_url_seen"  # the query parameters the page last read or wrote
URL_NOTES = "_url_notes"
NEEDS_FULL_RERUN = "_needs_full_rerun"
ACTIVE_PRESET = "_active_preset"
VALID_FORMULA = "_valid_formula"  # the last formula that compiled: drawn while the text box holds a bad one
EXPLAINED = "explained"  # the optimizer whose explanation is shown
MORE_OPEN = "more_open."  # + owner: that optimizer's "More" hyperparameter section is open
EXPORT_OPEN = "export_open"  # the lecture-export section is open

SHARED = "all"  # owner name of the hyperparameters used by every optimizer in "same for all" mode
ALWAYS_SHARED = "lr"  # on screen and in every run's label: one slider drives every optimizer's
HP_PREFIX = "hp."
SURFACE_PARAM_PREFIX = "surface_param."
SCHEDULE_PREFIX = "schedule."  # + owner: the key prefix of that optimizer's schedule picker
LINKED_PREFIX = "_linked."  # + a slider's key: a value between its options that a link asked for exactly

CUSTOM = "custom"  # the surface choice "Your own function…"
DEFAULT_FORMULA = "sin(x)*cos(y) + 0.1*(x**2 + y**2)"

def hp_key(owner: str, name: str) -> str:
    """Session key of hyperparameter ``name`` of optimizer ``owner`` (or of ``SHARED``)."""
    return f"{HP_PREFIX}{owner}.{name}"


def shares(chosen: Sequence[str], name: str) -> bool:
    """With "same hyperparameters for all": whether one slider drives hyperparameter ``name`` of every chosen
    optimizer that has it. It does for the learning rate, and for any other whose torch default those
    optimizers agree on; the rest keep each optimizer's own value, so no optimizer is silently given a value
    it does not have by default (RMSProp's optional momentum, Adam's β2 for Lion)."""
    defaults = {OPTIMIZERS[o].defaults[name] for o in chosen if name in OPTIMIZERS[o].defaults}
    return name == ALWAYS_SHARED or len(defaults) == 1


def owner_of(chosen: Sequence[str], same_for_all: bool, optimizer: str, name: str) -> str:
    """Whose slider holds hyperparameter ``name`` of ``optimizer``: the shared one or its own."""
    return SHARED if same_for_all and shares(chosen, name) else optimizer


def linked_key(key: str) -> str:
    """Where a link's exact value for the slider under ``key`` is kept: the slider offers it for the session."""
    return LINKED_PREFIX + key


def surface_param_key(name: str) -> str:
    return f"{SURFACE_PARAM_PREFIX}{name}"


def schedule_prefix(owner: str) -> str:
    """Key prefix of the schedule picker of optimizer ``owner`` (or of ``SHARED``)."""
    return f"{SCHEDULE_PREFIX}{owner}"


def is_schedule_key(key: str) -> bool:
    return key.startswith(SCHEDULE_PREFIX)


def surface_name(values: Mapping[str, Any]) -> str:
    """The surface to run: the registered name chosen, or ``expr:<formula>`` for the user's own function."""
    name = values.get(SURFACE, options.DEFAULT_SURFACE)
    if name == CUSTOM:
        return CUSTOM_PREFIX + values.get(VALID_FORMULA, DEFAULT_FORMULA)
    return name


def schedule_of(values: Mapping[str, Any], owner: str, steps: int) -> tuple[str, dict[str, float]]:
    """The schedule and parameters that ``owner``'s picker holds (its scaled defaults where it has none yet)."""
    prefix = schedule_prefix(owner)
    name = values.get(choice_key(prefix), DEFAULT_SCHEDULE)  # its selectbox starts at the default
    defaults = run_defaults(name, steps)
    return name, {p: float(values.get(param_key(prefix, name, p), default)) for p, default in defaults.items()}


def is_surface_dependent(key: str) -> bool:
    """Keys whose defaults depend on the surface, reset when the surface changes."""
    return key.startswith((HP_PREFIX, SURFACE_PARAM_PREFIX, LINKED_PREFIX)) or key in (START_X, START_Y)
