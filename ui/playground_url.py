"""The playground's controls in its URL, and back (plain Python: no Streamlit calls).

``?surface=ravine&optimizers=gd,adam&adam.lr=0.05&start=-5,2`` restores a view; a user's own function travels
as ``surface=expr:<formula>``, a schedule as ``adam.schedule=cosine:T_max=150,eta_min=0``, the optimizer
explained as ``explain=adam``. The grammar and the notes for bad values are :mod:`ui.url_codec`'s.
"""
from __future__ import annotations

from typing import Any, Mapping

from landscapes.registry import CUSTOM_PREFIX, SURFACES, Surface, get_surface
from optimizers.registry import OPTIMIZERS
from simulation.settings import MAX_SEED, NOISE_RANGE
from ui import options
from ui.schedule_picker import decode_schedule, schedule_url_value
from ui.state import (CUSTOM, EXPLAINED, FORMULA, HP_PREFIX, NOISE, OPTIMIZERS_KEY, SAME_FOR_ALL, SEED, SHARED,
                      SPEED, START_X, START_Y, STEPS, SURFACE, SURFACE_PARAM_PREFIX, THREE_D, VALID_FORMULA, VIEW,
                      hp_key, linked_key, owner_of, schedule_of, schedule_prefix, shares, surface_name,
                      surface_param_key)
from ui.url_codec import START_URL_NAME, Decoder, format_pair, format_value, literal
from ui.view_options import DEFAULT_SPEED, DEFAULT_VIEW, SPEEDS, VIEWS
from validation import ValidationError

URL_NAMES = {SURFACE: "surface", OPTIMIZERS_KEY: "optimizers", STEPS: "steps", NOISE: "noise", SEED: "seed",
             SAME_FOR_ALL: "same", VIEW: "view", THREE_D: "3d", SPEED: "speed"}
EXPLAINED_URL_NAME = "explain"  # ?explain=adam: one of the chosen optimizers
SCHEDULE_URL_SUFFIX = ".schedule"  # ?adam.schedule=cosine:T_max=150,eta_min=0


def default_values() -> dict[str, Any]:
    """The controls a first visit starts with (hyperparameters are filled in by the sidebar)."""
    surface = SURFACES[options.DEFAULT_SURFACE]
    return {SURFACE: surface.name, OPTIMIZERS_KEY: list(options.DEFAULT_OPTIMIZERS),
            STEPS: options.DEFAULT_STEPS, START_X: surface.default_start[0], START_Y: surface.default_start[1],
            NOISE: 0.0, SEED: 0, SAME_FOR_ALL: False, VIEW: DEFAULT_VIEW, THREE_D: False, SPEED: DEFAULT_SPEED}


def _active_hyperparameter(state: Mapping[str, Any], key: str) -> bool:
    """Whether ``key`` belongs to a slider on screen (left-over keys of other optimizers are not)."""
    owner, _, name = key[len(HP_PREFIX):].partition(".")
    chosen = [o for o in state.get(OPTIMIZERS_KEY, []) if o in OPTIMIZERS]
    same = bool(state.get(SAME_FOR_ALL))
    users = chosen if owner == SHARED else [owner] if owner in chosen else []
    return any(name in OPTIMIZERS[o].defaults and owner_of(chosen, same, o, name) == owner for o in users)


def encode(state: Mapping[str, Any]) -> dict[str, str]:
    """URL query parameters for the controls in ``state`` (a session-state-like mapping)."""
    params = {URL_NAMES[key]: format_value(state[key]) for key in URL_NAMES if key in state}
    if SURFACE in state:
        params[URL_NAMES[SURFACE]] = surface_name(state)
    if START_X in state and START_Y in state:
        params[START_URL_NAME] = format_pair((state[START_X], state[START_Y]))
    if state.get(EXPLAINED) in state.get(OPTIMIZERS_KEY, []):
        params[EXPLAINED_URL_NAME] = state[EXPLAINED]
    surface = SURFACES.get(state.get(SURFACE, ""))
    surface_params = {p.name for p in surface.params} if surface else set()
    for key in sorted(k for k in state if isinstance(k, str)):
        if key.startswith(HP_PREFIX) and _active_hyperparameter(state, key):
            params[key[len(HP_PREFIX):]] = format_value(state[key])
        elif key.startswith(SURFACE_PARAM_PREFIX) and key[len(SURFACE_PARAM_PREFIX):] in surface_params:
            params[key[len(SURFACE_PARAM_PREFIX):]] = format_value(state[key])
    params.update(_encode_schedules(state))
    return params


def _schedule_owners(state: Mapping[str, Any]) -> list[str]:
    """Whose schedule pickers are on screen: every chosen optimizer's, or the shared one."""
    if state.get(SAME_FOR_ALL):
        return [SHARED]
    return [o for o in state.get(OPTIMIZERS_KEY, []) if o in OPTIMIZERS]


def _encode_schedules(state: Mapping[str, Any]) -> dict[str, str]:
    """``<owner>.schedule=<name>:<param>=<value>,…`` for each non-constant schedule on screen."""
    steps = state.get(STEPS, options.DEFAULT_STEPS)
    params = {}
    for owner in _schedule_owners(state):
        value = schedule_url_value(*schedule_of(state, owner, steps))
        if value is not None:
            params[owner + SCHEDULE_URL_SUFFIX] = value
    return params


def decode(params: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Session-state values and notes from URL query parameters (missing ones are simply left out)."""
    d = Decoder(params)
    defaults = default_values()
    surface = _decode_surface(d, defaults)
    chosen = _decode_optimizers(d, defaults)
    _decode_scalars(d, defaults)
    d.choice(EXPLAINED_URL_NAME, EXPLAINED, tuple(chosen), chosen[0])
    d.start(surface, (START_X, START_Y))
    d.surface_params(surface, surface_param_key)
    _decode_schedules(d, chosen)
    _decode_hyperparameters(d, surface, chosen)
    return d.finish()


def _decode_surface(d: Decoder, defaults: dict[str, Any]) -> Surface:
    """A registered name, or ``expr:<formula>`` (compiled here: a refused formula falls back with a note)."""
    text = d.pop("surface")
    name = defaults[SURFACE]
    if text is not None and text.startswith(CUSTOM_PREFIX):
        try:
            surface = get_surface(text)
        except ValidationError as error:
            d.values[SURFACE] = d.fallback("surface", text, str(error), name)
            return SURFACES[name]
        formula = text[len(CUSTOM_PREFIX):].strip()
        d.values.update({SURFACE: CUSTOM, FORMULA: formula, VALID_FORMULA: formula})
        return surface
    if text is not None:
        name = text if text in SURFACES else d.fallback("surface", text, "unknown surface", name)
        d.values[SURFACE] = name
    return SURFACES[name]


def _decode_optimizers(d: Decoder, defaults: dict[str, Any]) -> list[str]:
    text = d.pop("optimizers")
    if text is None:
        return list(defaults[OPTIMIZERS_KEY])
    names = list(dict.fromkeys(n.strip().lower() for n in text.split(",") if n.strip()))  # GD, Adam: fine too
    unknown = [n for n in names if n not in OPTIMIZERS]
    if unknown:
        d.notes.append(f"URL lists unknown optimizers {literal(', '.join(map(repr, unknown)))}; they were left out.")
    chosen = [n for n in names if n in OPTIMIZERS]
    if len(chosen) > options.MAX_OPTIMIZERS:
        d.notes.append(f"URL lists more than {options.MAX_OPTIMIZERS} optimizers; only the first "
                       f"{options.MAX_OPTIMIZERS} are shown.")
        chosen = chosen[:options.MAX_OPTIMIZERS]
    if not chosen:
        chosen = d.fallback("optimizers", text, "no known optimizer", list(defaults[OPTIMIZERS_KEY]))
    d.values[OPTIMIZERS_KEY] = chosen
    return chosen


def _decode_scalars(d: Decoder, defaults: dict[str, Any]) -> None:
    low, high = options.STEPS_RANGE
    d.integer("steps", STEPS, low, high, defaults[STEPS])
    if STEPS in d.values:
        steps = d.values[STEPS]
        rounded = max(low, round(steps / options.STEPS_INCREMENT) * options.STEPS_INCREMENT)
        if rounded != steps:
            d.notes.append(f"URL value steps={steps} is not on the slider; using {rounded}.")
        d.values[STEPS] = rounded
    text = d.pop("noise")
    if text is not None:
        d.values[NOISE] = d.snapped("noise", text, NOISE_RANGE, options.NOISE_OPTIONS, True, defaults[NOISE])
    d.integer("seed", SEED, 0, MAX_SEED, defaults[SEED])
    d.boolean("same", SAME_FOR_ALL, defaults[SAME_FOR_ALL])
    d.boolean("3d", THREE_D, defaults[THREE_D])
    d.choice("view", VIEW, tuple(VIEWS), defaults[VIEW])
    d.choice("speed", SPEED, tuple(SPEEDS), defaults[SPEED])


def _decode_schedules(d: Decoder, chosen: list[str]) -> None:
    """``<owner>.schedule`` for the chosen optimizers (or ``all``), into the session keys of their pickers."""
    for url_name in [n for n in d.params if n.endswith(SCHEDULE_URL_SUFFIX)]:
        owner = url_name[:-len(SCHEDULE_URL_SUFFIX)]
        if owner != SHARED and owner not in chosen:
            continue  # stays in d.params and is reported as not a control here
        decode_schedule(d, url_name, schedule_prefix(owner))


def _decode_hyperparameters(d: Decoder, surface: Surface, chosen: list[str]) -> None:
    """``<optimizer>.<hyperparameter>`` (or ``all.<hyperparameter>``) for the chosen optimizers."""
    for name in [n for n in d.params if "." in n]:
        owner, hp_name = name.split(".", 1)
        owners = chosen if owner == SHARED and shares(chosen, hp_name) else [owner] if owner in chosen else []
        specs = [OPTIMIZERS[o] for o in owners if hp_name in OPTIMIZERS[o].defaults]
        if not specs:
            continue  # stays in d.params and is reported as not a control here (no slider, or none shared)
        hp = specs[0].hyperparameter(hp_name)
        default = options.hyperparameter_default(surface, specs[0], hp_name)
        key = hp_key(owner, hp_name)
        d.values[key] = d.exact(name, d.pop(name), hp.allowed, default)
        if d.values[key] not in hp.options:  # a run from another page: its slider offers this value too
            d.values[linked_key(key)] = d.values[key]
