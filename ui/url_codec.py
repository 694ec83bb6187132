"""The URL form of the pages' controls, shared by every page (plain Python: no Streamlit calls).

A page's link names each control once, e.g. ``?surface=ravine&steps=300&start=-5,2``; compound values have a
small grammar of their own: a start point or a range is two numbers, ``-5,2``, and a learning-rate schedule is
``cosine:T_max=150,eta_min=0``. Decoding never fails: a bad or hand-edited value falls back to its default
and adds a one-line note for the page to show (:class:`Decoder`).

Why the controls are not bound with ``bind="query-params"`` (Streamlit 1.67): a bound widget drops a URL value
it cannot use without a word (it logs at debug level, removes the parameter and shows the default), so the
notes would need this decoder anyway, run ahead of the widget and agreeing with it on every value. It also
cannot read the links already given out: selectboxes and radios with a ``format_func`` expect the label
(``view=Animation``, not ``view=animation``), multiselects repeat the parameter instead of ``gd,adam``,
toggles read ``true``/``false`` instead of ``1``/``0``, select sliders refuse a value between their options
instead of taking the nearest one, and a bound widget's key is its URL name, which two pages of one session
(``steps`` on both) would share. Writing the other parameters with ``st.query_params.from_dict`` would wipe a
bound one. ``tests/test_url_binding.py`` checks these reasons against the installed Streamlit.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from landscapes.registry import Surface
from optimizers.schedules import get_schedule
from ui import options
from validation import Range, ValidationError, check_range, parse_float, parse_int

TRUE_WORDS, FALSE_WORDS = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
SNAP_TOLERANCE = 1e-9  # relative: a URL value this close to an option is that option
START_URL_NAME = "start"  # ?start=-5,2 on every page
NOTE_TEXT_LIMIT = 40  # characters of a bad value quoted in its note
CODE_SPAN = re.compile(r"(`+[^`]*?`+)")  # kept as they are by ``plain``
# Characters that make Markdown (and the page's maths) inside a sentence; the rest act only at a line's start.
MARKDOWN_PUNCTUATION = re.compile(r"[\\`*_\[\]<>$~|]")


def literal(text: str) -> str:
    """``text`` as a Markdown code span: the page shows it exactly as written (no emphasis, links, maths or
    emoji made of it). The fence is one backtick longer than any run of backticks inside."""
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    pad = " " if text[:1] == "`" or text[-1:] == "`" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def plain(text: str) -> str:
    """``text`` (a message that may quote a link's values) with Markdown's punctuation escaped outside its
    code spans, so the page shows what it says."""
    parts = re.split(CODE_SPAN, text)
    return "".join(part if index % 2 else MARKDOWN_PUNCTUATION.sub(r"\\\g<0>", part)
                   for index, part in enumerate(parts))


def exact(number: float) -> str:
    """The shortest text that reads back as exactly ``number`` (``0.1``, ``0.10722672220103231``): a link never
    rounds a value the page only rounds for display."""
    short = f"{number:g}"
    return short if float(short) == number else repr(float(number))


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return exact(value)
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    return str(value)


def format_pair(pair: tuple[float, float]) -> str:
    """``-5,2``: a start point or a range."""
    return f"{exact(pair[0])},{exact(pair[1])}"


def format_schedule(name: str, values: Mapping[str, float]) -> str:
    """``cosine:T_max=150,eta_min=0`` (just the name for a schedule without parameters)."""
    listed = ",".join(f"{param}={exact(value)}" for param, value in values.items())
    return f"{name}:{listed}" if listed else name


def parse_schedule(text: str) -> tuple[str, dict[str, float]]:
    """``cosine:T_max=150,eta_min=0`` → (name, validated parameters); raises ValidationError."""
    name, _, listed = text.partition(":")
    schedule = get_schedule(name.strip())
    values = {}
    for item in filter(None, (part.strip() for part in listed.split(","))):
        param, equals, value = item.partition("=")
        if not equals:
            raise ValidationError(f"expected parameter=value, got {item[:NOTE_TEXT_LIMIT]!r}")
        values[param.strip()] = parse_float(param.strip(), value)
    return schedule.name, dict(schedule.validate(values))


def parse_pair(text: str, shape: str, first: tuple[str, Range], second: tuple[str, Range]
               ) -> tuple[float, float]:
    """Two numbers ``A,B``, each checked against its (name, range); ``shape`` says what was expected."""
    parts = text.split(",")
    if len(parts) != 2:
        raise ValidationError(f"expected two numbers {shape}")
    return check_range(first[0], parts[0], first[1]), check_range(second[0], parts[1], second[1])


class Decoder:
    """Collects decoded session-state values and notes from a page's query parameters."""

    def __init__(self, params: Mapping[str, str]):
        self.params = dict(params)
        self.values: dict[str, Any] = {}
        self.notes: list[str] = []

    def pop(self, name: str) -> str | None:
        return self.params.pop(name, None)

    def ignored(self, name: str, text: str, problem: str, using: str) -> None:
        self.notes.append(f"URL value {literal(f'{name}={text[:NOTE_TEXT_LIMIT]!r}')} ignored ({plain(problem)}); "
                          f"using {using}.")

    def fallback(self, name: str, text: str, problem: str, default: Any) -> Any:
        self.ignored(name, text, problem, format_value(default))
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

    def exact(self, name: str, text: str, allowed: Range, default: float) -> float:
        """A number within ``allowed``, kept exactly as the link gives it (the slider offers it too)."""
        try:
            return check_range(name, text, allowed)
        except ValidationError as error:
            return self.fallback(name, text, str(error), default)

    def option(self, name: str, key: str, choices: tuple[int, ...], default: int) -> None:
        """An integer slider value, moved to the nearest option (with a note if it moved)."""
        text = self.pop(name)
        if text is not None:
            self.values[key] = int(self.snapped(name, text, Range(choices[0], choices[-1]), choices, False,
                                                default))

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

    def start(self, surface: Surface, keys: tuple[str, str]) -> None:
        """``start=X,Y`` within ``surface``'s start limits, into the two start inputs' ``keys``."""
        text = self.pop(START_URL_NAME)
        if text is None:
            return
        (x_low, x_high), (y_low, y_high) = options.start_limits(surface)
        try:
            x, y = parse_pair(text, "X,Y", ("start x", Range(x_low, x_high)), ("start y", Range(y_low, y_high)))
        except ValidationError as error:
            x, y = self.fallback(START_URL_NAME, text, str(error), surface.default_start)
        self.values[keys[0]], self.values[keys[1]] = float(x), float(y)

    def surface_params(self, surface: Surface, key_of) -> None:
        """Each of ``surface``'s parameters (``condition=100``), snapped to its slider, under ``key_of(name)``."""
        for param in surface.params:
            text = self.pop(param.name)
            if text is not None:
                self.values[key_of(param.name)] = self.snapped(
                    param.name, text, param.allowed, param.options, param.log_scale,
                    options.snap(param.default, param.options, param.log_scale))

    def finish(self) -> tuple[dict[str, Any], list[str]]:
        """The values, and the notes with one more for each parameter no control took."""
        for leftover in sorted(self.params):
            self.notes.append(f"URL parameter {literal(repr(leftover))} is not a control here; ignored.")
        return self.values, self.notes
