"""Input validation shared by every entry point (CLI, app, URL parameters).

Validation happens once, when settings are built; jitted code assumes valid input. Every failure raises
:class:`ValidationError` with a single line that names the parameter and the allowed range, so the CLI can
print it and exit 2 and the app can show it as a message.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


class ValidationError(ValueError):
    """A user-facing, one-line description of an invalid input."""


@dataclass(frozen=True)
class Range:
    """A closed, open or half-open interval of allowed values, printed the way users read it."""

    low: float
    high: float
    low_inclusive: bool = True
    high_inclusive: bool = True

    def contains(self, value: float) -> bool:
        above = value >= self.low if self.low_inclusive else value > self.low
        below = value <= self.high if self.high_inclusive else value < self.high
        return above and below

    def __str__(self) -> str:
        left = "[" if self.low_inclusive else "("
        right = "]" if self.high_inclusive else ")"
        return f"{left}{self.low:g}, {self.high:g}{right}"


def parse_float(name: str, text: object) -> float:
    """Parse a finite float from user text (or a number), naming ``name`` in the error."""
    if isinstance(text, bool):
        raise ValidationError(f"{name} must be a number, got {text!r}")
    try:
        value = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError(f"{name} must be a number, got {str(text)[:40]!r}") from None
    if not math.isfinite(value):
        raise ValidationError(f"{name} must be a finite number, got {str(text)[:40]!r}")
    return value


def check_range(name: str, value: object, allowed: Range) -> float:
    """Parse ``value`` as a finite float and check it lies in ``allowed``."""
    number = parse_float(name, value)
    if not allowed.contains(number):
        raise ValidationError(f"{name} must be in {allowed}, got {number:g}")
    return number


def parse_int(name: str, text: object, low: int, high: int) -> int:
    """Parse an integer in [low, high] from user text; floats such as '3.5' or '1e3' are refused."""
    if isinstance(text, bool):
        raise ValidationError(f"{name} must be an integer in [{low}, {high}], got {text!r}")
    if isinstance(text, int):
        value = text
    else:
        try:
            value = int(str(text).strip())
        except ValueError:
            raise ValidationError(
                f"{name} must be an integer in [{low}, {high}], got {str(text)[:40]!r}") from None
    if not low <= value <= high:
        raise ValidationError(f"{name} must be an integer in [{low}, {high}], got {value}")
    return value


def lookup(kind: str, name: str, table: dict):
    """Return ``table[name]`` or raise an error that lists the valid names (the name is never evaluated)."""
    if isinstance(name, str) and name in table:
        return table[name]
    valid = ", ".join(sorted(table))
    raise ValidationError(f"unknown {kind} {str(name)[:60]!r}; valid: {valid}")
