"""A sentence the product says about behaviour, and the run that shows it (plain data).

Registries and stories keep their claims next to their text; ``simulation/evidence.py`` runs each claim's
comparison through the engine and checks it, and the tests do so for every claim, so a sentence that stops
being true for what the app would draw fails the suite.
"""
from __future__ import annotations

from dataclasses import dataclass

Hyperparameters = tuple[tuple[str, float], ...]  # (name, value) pairs; the rest are the optimizer's defaults


@dataclass(frozen=True)
class Claim:
    """``says``: the words of the text this claim backs (they must appear in it); ``check``: the name of a
    check in ``simulation.evidence.CHECKS``; the comparison it runs: ``runs`` (optimizer, hyperparameters)
    on ``surface`` (with ``surface_params``) for ``steps`` steps from ``start`` (None: the surface's default
    start), with gradient noise ``noise`` (seed 0, the app's default)."""

    says: str
    check: str
    surface: str
    runs: tuple[tuple[str, Hyperparameters], ...]
    steps: int
    start: tuple[float, float] | None = None
    surface_params: tuple[tuple[str, float], ...] = ()
    noise: float = 0.0
