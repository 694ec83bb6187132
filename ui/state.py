"""Session-state keys of every control and their URL form (plain Python: no Streamlit calls).

Every control's value lives in ``st.session_state`` under a key defined here, and in the page URL under a
short, readable name, e.g. ``?surface=ravine&optimizers=gd,adam&adam.lr=0.05&start=-5,2``; a user's own
function travels as ``surface=expr:<formula>`` and a schedule as ``adam.schedule=cosine:T_max=150,eta_min=0``.
Decoding never fails: a bad or hand-edited value falls back to its default and adds a one-line note for the
page to show.
"""
from __future__ import annotations

from typing import Any, Mapping

from landscapes.registry import CUSTOM_PREFIX, SURFACES, Surface, get_surface
from optimizers.registry import OPTIMIZERS
from optimizers.schedules import SCHEDULES, get_schedule
from simulation.settings import MAX_SEED, NOISE_RANGE
from ui import options
from ui.schedule_picker import COUNTED_IN_UPDATES, DEFAULT_SCHEDULE, choice_key, param_key, scaled_defaults
from validation import Range, ValidationError, check_range, parse_float, parse_int

# Session-state keys of the controls (the URL names are the keys of URL_NAMES below).
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
URL_APPLIED = "_url_applied"
URL_NOTES = "_url_notes"
MAP_CLICK = "map_click"
PICK_START = "pick_start"  # the map takes clicks as the new start (not in the URL: a passing mode)
NEEDS_FULL_RERUN = "_needs_full_rerun"
ACTIVE_PRESET = "_active_preset"
VALID_FORMULA = "_valid_formula"  # the last formula that compiled: drawn while the text box holds a bad one
EXPLAINED = "explained"  # the optimizer whose explanation is shown
MORE_OPEN = "more_open."  # + owner: that optimizer's "More" hyperparameter section is open
EXPORT_OPEN = "export_open"  # the lecture-export section is open

SHARED = "all"  # owner name of the hyperparameters used by every optimizer in "same for all" mode
HP_PREFIX = "hp."
SURFACE_PARAM_PREFIX = "surface_param."
SCHEDULE_PREFIX = "schedule."  # + owner: the key prefix of that optimizer's schedule picker
SCHEDULE_URL_SUFFIX = ".schedule"  # ?adam.schedule=cosine:T_max=150,eta_min=0

CUSTOM = "custom"  # the surface choice "Your own function…"
DEFAULT_FORMULA = "sin(x)*cos(y) + 0.1*(x**2 + y**2)"

VIEWS = {"paths": "Map & loss", "animation": "Animation", "multiples": "Side by side",
         "inside": "Inside the optimizer"}
DEFAULT_VIEW = "paths"
SPEEDS = {"slow": 250, "normal": 100, "fast": 40}  # milliseconds per animation frame
DEFAULT_SPEED = "normal"

URL_NAMES = {SURFACE: "surface", OPTIMIZERS_KEY: "optimizers", STEPS: "steps", NOISE: "noise", SEED: "seed",
             SAME_FOR_ALL: "same", VIEW: "view", THREE_D: "3d", SPEED: "speed"}
START_URL_NAME = "start"
EXPLAINED_URL_NAME = "explain"  # ?explain=adam: one of the chosen optimizers
TRUE_WORDS, FALSE_WORDS = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
SNAP_TOLERANCE = 1e-9  # relative: a URL value this close to an option is that option


def hp_key(owner: str, name: str) -> str:
    """Session key of hyperparameter ``name`` of optimizer ``owner`` (or of ``SHARED``)."""
    return f"{HP_PREFIX}{owner}.{name}"


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
    name = values.get(choice_key(prefix), DEFAULT_SCHEDULE)
    if name not in SCHEDULES:
        return DEFAULT_SCHEDULE, {}
    defaults = scaled_defaults(name, steps)
    return name, {p: float(values.get(param_key(prefix, name, p, steps), default)) for p, default in defaults.items()}


def is_surface_dependent(key: str) -> bool:
    """Keys whose defaults depend on the surface, reset when the surface changes."""
    return key.startswith((HP_PREFIX, SURFACE_PARAM_PREFIX)) or key in (START_X, START_Y)


def default_values() -> dict[str, Any]:
    """The controls a first visit starts with (hyperparameters are filled in by the sidebar)."""
    surface = SURFACES[options.DEFAULT_SURFACE]
    return {SURFACE: surface.name, OPTIMIZERS_KEY: list(options.DEFAULT_OPTIMIZERS),
            STEPS: options.DEFAULT_STEPS, START_X: surface.default_start[0], START_Y: surface.default_start[1],
            NOISE: 0.0, SEED: 0, SAME_FOR_ALL: False, VIEW: DEFAULT_VIEW, THREE_D: False, SPEED: DEFAULT_SPEED}


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    return str(value)


def _active_hyperparameter(state: Mapping[str, Any], key: str) -> bool:
    """Whether ``key`` belongs to a slider on screen (left-over keys of other optimizers are not)."""
    owner, _, name = key[len(HP_PREFIX):].partition(".")
    chosen = [o for o in state.get(OPTIMIZERS_KEY, []) if o in OPTIMIZERS]
    if state.get(SAME_FOR_ALL):
        return owner == SHARED and any(name in OPTIMIZERS[o].defaults for o in chosen)
    return owner in chosen and name in OPTIMIZERS[owner].defaults


def encode(state: Mapping[str, Any]) -> dict[str, str]:
    """URL query parameters for the controls in ``state`` (a session-state-like mapping)."""
    params = {URL_NAMES[key]: format_value(state[key]) for key in URL_NAMES if key in state}
    if SURFACE in state:
        params[URL_NAMES[SURFACE]] = surface_name(state)
    if START_X in state and START_Y in state:
        params[START_URL_NAME] = f"{state[START_X]:g},{state[START_Y]:g}"
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
        name, values = schedule_of(state, owner, steps)
        if name != DEFAULT_SCHEDULE:
            listed = ",".join(f"{p}={v:g}" for p, v in values.items())
            params[owner + SCHEDULE_URL_SUFFIX] = f"{name}:{listed}" if listed else name
    return params


class Decoder:
    """Collects decoded values and notes; every bad value falls back to its default with a note."""

    def __init__(self, params: Mapping[str, str]):
        self.params = dict(params)
        self.values: dict[str, Any] = {}
        self.notes: list[str] = []

    def pop(self, name: str) -> str | None:
        return self.params.pop(name, None)

    def fallback(self, name: str, text: str, problem: str, default: Any) -> Any:
        self.notes.append(f"URL value {name}={text[:40]!r} ignored ({problem}); using {format_value(default)}.")
        return default

    def snapped(self, name: str, text: str, allowed: Range, choices, log_scale: bool, default: float) -> float:
        """A number within ``allowed``, moved to the nearest slider option (with a note if it moved)."""
        try:
            value = check_range(name, text, allowed)
        except ValidationError as error:
            return self.fallback(name, text, str(error), default)
        choice = options.snap(value, choices, log_scale)
        if abs(choice - value) > SNAP_TOLERANCE * max(abs(value), 1.0):
            self.notes.append(f"URL value {name}={value:g} is not on the slider; using the nearest, {choice:g}.")
        return choice

    def integer(self, name: str, key: str, low: int, high: int, default: int) -> None:
        text = self.pop(name)
        if text is not None:
            try:
                self.values[key] = parse_int(name, text, low, high)
            except ValidationError as error:
                self.values[key] = self.fallback(name, text, str(error), default)

    def boolean(self, name: str, key: str, default: bool) -> None:
        text = self.pop(name)
        if text is None:
            return
        word = text.strip().lower()
        valid = word in TRUE_WORDS or word in FALSE_WORDS
        self.values[key] = word in TRUE_WORDS if valid else self.fallback(name, text, "expected 1 or 0", default)

    def choice(self, name: str, key: str, choices, default: str) -> None:
        text = self.pop(name)
        if text is not None:
            self.values[key] = text if text in choices else self.fallback(
                name, text, f"expected one of {', '.join(choices)}", default)


def decode(params: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Session-state values and notes from URL query parameters (missing ones are simply left out)."""
    d = Decoder(params)
    defaults = default_values()
    surface = _decode_surface(d, defaults)
    chosen = _decode_optimizers(d, defaults)
    _decode_scalars(d, defaults, surface)
    d.choice(EXPLAINED_URL_NAME, EXPLAINED, tuple(chosen), chosen[0])
    _decode_start(d, surface)
    _decode_surface_params(d, surface)
    _decode_schedules(d, chosen)
    _decode_hyperparameters(d, surface, chosen)
    for leftover in sorted(d.params):
        d.notes.append(f"URL parameter {leftover!r} is not a control here; ignored.")
    return d.values, d.notes


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
        d.notes.append(f"URL lists unknown optimizers {', '.join(map(repr, unknown))}; they were left out.")
    chosen = [n for n in names if n in OPTIMIZERS]
    if len(chosen) > options.MAX_OPTIMIZERS:
        d.notes.append(f"URL lists more than {options.MAX_OPTIMIZERS} optimizers; only the first "
                       f"{options.MAX_OPTIMIZERS} are shown.")
        chosen = chosen[:options.MAX_OPTIMIZERS]
    if not chosen:
        chosen = d.fallback("optimizers", text, "no known optimizer", list(defaults[OPTIMIZERS_KEY]))
    d.values[OPTIMIZERS_KEY] = chosen
    return chosen


def _decode_scalars(d: Decoder, defaults: dict[str, Any], surface: Surface) -> None:
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


def _decode_start(d: Decoder, surface: Surface) -> None:
    text = d.pop(START_URL_NAME)
    if text is None:
        return
    (x_low, x_high), (y_low, y_high) = options.start_limits(surface)
    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValidationError("expected two numbers X,Y")
        x = check_range("start x", parts[0], Range(x_low, x_high))
        y = check_range("start y", parts[1], Range(y_low, y_high))
    except ValidationError as error:
        x, y = d.fallback(START_URL_NAME, text, str(error), surface.default_start)
    d.values[START_X], d.values[START_Y] = float(x), float(y)


def _decode_surface_params(d: Decoder, surface: Surface) -> None:
    for param in surface.params:
        text = d.pop(param.name)
        if text is not None:
            d.values[surface_param_key(param.name)] = d.snapped(
                param.name, text, param.allowed, param.options, param.log_scale,
                options.snap(param.default, param.options, param.log_scale))


def _parse_schedule(text: str) -> tuple[str, dict[str, float]]:
    """``cosine:T_max=150,eta_min=0`` → (name, validated parameters); raises ValidationError."""
    name, _, listed = text.partition(":")
    schedule = get_schedule(name.strip())
    values = {}
    for item in filter(None, (part.strip() for part in listed.split(","))):
        param, equals, value = item.partition("=")
        if not equals:
            raise ValidationError(f"expected parameter=value, got {item[:40]!r}")
        values[param.strip()] = parse_float(param.strip(), value)
    return schedule.name, dict(schedule.validate(values))


def _decode_schedules(d: Decoder, chosen: list[str]) -> None:
    """``<owner>.schedule`` for the chosen optimizers (or ``all``), into the session keys of their pickers."""
    steps = d.values.get(STEPS, options.DEFAULT_STEPS)
    for url_name in [n for n in d.params if n.endswith(SCHEDULE_URL_SUFFIX)]:
        owner = url_name[:-len(SCHEDULE_URL_SUFFIX)]
        if owner != SHARED and owner not in chosen:
            continue  # stays in d.params and is reported as not a control here
        text = d.pop(url_name)
        prefix = schedule_prefix(owner)
        try:
            name, values = _parse_schedule(text)
        except ValidationError as error:
            d.values[choice_key(prefix)] = d.fallback(url_name, text, str(error), DEFAULT_SCHEDULE)
            continue
        d.values[choice_key(prefix)] = name
        for param, value in values.items():
            # counts of updates go into integer inputs, which hold ints
            d.values[param_key(prefix, name, param, steps)] = int(value) if param in COUNTED_IN_UPDATES else value


def _decode_hyperparameters(d: Decoder, surface: Surface, chosen: list[str]) -> None:
    """``<optimizer>.<hyperparameter>`` (or ``all.<hyperparameter>``) for the chosen optimizers."""
    for name in [n for n in d.params if "." in n]:
        owner, hp_name = name.split(".", 1)
        owners = chosen if owner == SHARED else [owner] if owner in chosen else []
        specs = [OPTIMIZERS[o] for o in owners if hp_name in OPTIMIZERS[o].defaults]
        if not specs:
            continue  # stays in d.params and is reported as not a control here
        hp = specs[0].hyperparameter(hp_name)
        default = options.hyperparameter_default(surface, specs[0], hp_name)
        d.values[hp_key(owner, hp_name)] = d.snapped(
            name, d.pop(name), hp.allowed, hp.options, hp.log_scale, default)
