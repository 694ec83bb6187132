"""A family of runs: every option of one hyperparameter control, for the runs that control drives, in one call.

While a student drags a learning-rate or momentum control, the page swaps among precomputed paths instead of
asking the server for each position. The family holds, for each run the control drives and each option on
the control's grid, the run as :func:`simulation.engine.run` computes it — it *is* that run: the options
become rows of one batch through the same jitted loop, so every row is bit-for-bit the run of that option.

:func:`encode_family` packs a family for the browser. Coordinates are quantised to 16 bits over a window of
three map widths around the map (a step of 1/21 845 of the map, a fraction of a pixel) and losses to 16 bits
over the drawn range of their axis; rows stop where the run died (:mod:`simulation.outcomes`).
"""
from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass, replace
from typing import Callable, Sequence

import numpy as np

from simulation.outcomes import EXPLODED, Ending, run_ending
from simulation.engine import NOT_DIVERGED, Result, run
from simulation.settings import OptimizerRun, Settings
from validation import ValidationError

QUANT_LEVELS = 65_535  # uint16: 0 … 65 534 hold values, 65 535 marks "no value" (a gap of the loss axis)
NO_VALUE = QUANT_LEVELS
# Coordinates are quantised over the map widened by one width on each side; points beyond are off the map
# anyway and are clipped to that window's edge (the line still leaves the map in the right direction).
WINDOW_MARGIN = 1.0


@dataclass(frozen=True)
class Family:
    """Runs ``run_indices`` of ``settings`` with ``hp_name`` set to each of ``options``.

    positions[r, o] (n+1, 2) and losses[r, o] (n+1,) are run ``run_indices[r]`` with option ``o``
    (NaN after a divergence), diverged_at[r, o] its divergence step or -1, stops[r, o] where it stopped
    (``Result.stops``).
    """

    settings: Settings
    hp_name: str
    options: tuple[float, ...]
    run_indices: tuple[int, ...]
    positions: np.ndarray
    losses: np.ndarray
    diverged_at: np.ndarray
    stops: np.ndarray

    def ending(self, r: int, o: int) -> Ending:
        """How run ``run_indices[r]`` with option ``o`` ended."""
        diverged = int(self.diverged_at[r, o])
        return run_ending(self.losses[r, o], None if diverged < 0 else diverged,
                          self.settings.surface_spec.min_value, self.stops[r, o])


def with_value(optimizer_run: OptimizerRun, hp_name: str, value: float) -> OptimizerRun:
    """``optimizer_run`` with hyperparameter ``hp_name`` set to ``value`` (an option of its own grid)."""
    return replace(optimizer_run, hyperparams=tuple((k, value if k == hp_name else v)
                                                    for k, v in optimizer_run.hyperparams))


def compute_family(settings: Settings, run_indices: Sequence[int], hp_name: str) -> Family:
    """Every option of ``hp_name`` for runs ``run_indices`` (runs that all have it), in one engine batch.

    The options are the hyperparameter's grid in the registry of the first run's optimizer (one control
    drives runs that share it, so they share its grid). An index out of range or a run without ``hp_name``
    is an error.
    """
    runs = [settings.runs[k] for k in run_indices]
    options = runs[0].spec.hyperparameter(hp_name).options
    for optimizer_run in runs:
        optimizer_run.spec.hyperparameter(hp_name)  # raises for an optimizer without it
    batch = tuple(with_value(r, hp_name, value) for r in runs for value in options)
    result: Result = run(replace(settings, runs=batch))
    shape = (len(runs), len(options))
    diverged = np.array([NOT_DIVERGED if d is None else d for d in result.diverged_at]).reshape(shape)
    return Family(settings, hp_name, tuple(options), tuple(run_indices),
                  result.positions.reshape(*shape, settings.steps + 1, 2),
                  result.losses.reshape(*shape, settings.steps + 1), diverged, result.stops.reshape(*shape, 3))


def _drawn_points(ending: Ending, steps: int) -> int:
    """Points drawn of a run that ended so: all, up to the divergence, or up to the explosion's step."""
    if ending.kind == EXPLODED:
        return ending.step + 1
    return steps + 1 if ending.step is None else ending.step


@dataclass(frozen=True)
class Quantised:
    """uint16 codes of values in [low, high]: value = low + code · (high − low) / (QUANT_LEVELS − 1)."""

    codes: np.ndarray
    low: float
    high: float

    @property
    def scale(self) -> float:
        return (self.high - self.low) / (QUANT_LEVELS - 1)

    def values(self) -> np.ndarray:
        """The decoded values (NaN for ``NO_VALUE``), as the browser decodes them."""
        decoded = self.low + self.codes.astype(np.float64) * self.scale
        return np.where(self.codes == NO_VALUE, np.nan, decoded)


def quantise(values: np.ndarray, low: float, high: float) -> Quantised:
    """Finite values clipped to [low, high] and coded in 16 bits; non-finite values get ``NO_VALUE``."""
    high = high if high > low else low + 1.0
    finite = np.isfinite(values)
    scaled = (np.clip(np.where(finite, values, low), low, high) - low) / (high - low) * (QUANT_LEVELS - 1)
    return Quantised(np.where(finite, np.rint(scaled), NO_VALUE).astype(np.uint16), low, high)


def coordinate_window(bounds: Sequence[float]) -> tuple[float, float]:
    """The quantisation window of one map axis: its range widened by ``WINDOW_MARGIN`` widths each way."""
    low, high = float(bounds[0]), float(bounds[-1])
    margin = (high - low) * WINDOW_MARGIN
    return low - margin, high + margin


def _b64(codes: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(codes, dtype="<u2").tobytes()).decode("ascii")


def encode_family(family: Family, x_bounds: Sequence[float], y_bounds: Sequence[float], loss_values: np.ndarray,
                  loss_log: bool, thinned: Callable[[int], np.ndarray]) -> dict:
    """The family for the browser: per run and option, the points up to the last finite one.

    ``loss_values`` (runs, options, n+1) is the loss series as its axis draws it (e.g. f − f_min), quantised in
    log10 on a log axis. ``thinned(n)`` picks the drawn rows of n points (as the charts thin long paths).
    Returns plain JSON data: ``lengths[r][o]`` points per row, ``died[r][o]`` whether the run stopped early,
    and base64 uint16 ``x``, ``y``, ``loss`` of every row's points one after another, with ``steps`` (their
    step numbers) when rows were thinned.
    """
    if family.settings.steps >= NO_VALUE:
        raise ValidationError(f"a family is drawn for at most {NO_VALUE - 1} steps")
    rows = [(r, o) for r in range(len(family.run_indices)) for o in range(len(family.options))]
    endings = {(r, o): family.ending(r, o) for r, o in rows}
    drawn_points = {row: _drawn_points(ending, family.settings.steps) for row, ending in endings.items()}
    picked = {(r, o): thinned(drawn_points[r, o]) for r, o in rows}
    xs = np.concatenate([family.positions[r, o, picked[r, o], 0] for r, o in rows])
    ys = np.concatenate([family.positions[r, o, picked[r, o], 1] for r, o in rows])
    with np.errstate(divide="ignore", invalid="ignore"):
        drawn = np.log10(loss_values) if loss_log else np.asarray(loss_values, dtype=np.float64)
    losses = np.concatenate([drawn[r, o, picked[r, o]] for r, o in rows])
    shape = family.diverged_at.shape
    lengths = np.array([len(picked[row]) for row in rows]).reshape(shape)
    full = np.array([drawn_points[row] for row in rows]).reshape(shape)
    steps = np.concatenate([picked[r, o] for r, o in rows])
    finite = losses[np.isfinite(losses)]
    loss_low, loss_high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    x, y = quantise(xs, *coordinate_window(x_bounds)), quantise(ys, *coordinate_window(y_bounds))
    loss = quantise(losses, loss_low, loss_high)
    all_steps = bool(np.array_equal(lengths, full))
    return dict(hp=family.hp_name, options=list(family.options), runs=list(family.run_indices),
                lengths=lengths.tolist(), died=np.array([endings[row].died for row in rows]).reshape(shape).tolist(),
                loss_log=loss_log,
                x=_b64(x.codes), y=_b64(y.codes), loss=_b64(loss.codes),
                steps=None if all_steps else _b64(steps.astype(np.uint16)),
                x_range=[x.low, x.high], y_range=[y.low, y.high], loss_range=[loss.low, loss.high])


def decode_rows(encoded: dict, key: str) -> list[list[np.ndarray]]:
    """``encoded[key]`` decoded into one array per run and option (what the browser draws), for tests."""
    low, high = encoded[f"{key}_range"]
    codes = np.frombuffer(base64.b64decode(encoded[key]), dtype="<u2")
    values = Quantised(codes, low, high).values()
    if key == "loss" and encoded["loss_log"]:
        values = 10.0 ** values
    bounds = np.cumsum([0] + [n for row in encoded["lengths"] for n in row])
    flat = [values[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    width = len(encoded["options"])
    return [flat[r * width:(r + 1) * width] for r in range(len(encoded["runs"]))]


def payload_bytes(encoded: dict) -> int:
    """Size of the encoded family as JSON text."""
    return len(json.dumps(encoded))


def quantisation_step(encoded: dict, key: str) -> float:
    """The largest error a decoded value can have (half a code step)."""
    low, high = encoded[f"{key}_range"]
    return 0.5 * (high - low) / (QUANT_LEVELS - 1) if math.isfinite(high - low) else math.inf
