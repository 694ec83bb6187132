"""Colours and themes shared by the interactive figures and the exported frames.

Every optimizer keeps one colour everywhere (app, small multiples, GIF, MP4), so a lecturer's slide matches
what students saw in the app. The first seven colours are the colour-blind-safe Okabe–Ito set.
"""
from __future__ import annotations

from dataclasses import dataclass

# Okabe–Ito colours first (for the optimizers compared most often), then distinguishable extra hues.
OPTIMIZER_COLORS: dict[str, str] = {
    "gd": "#0072B2", "momentum": "#E69F00", "nag": "#009E73", "adam": "#D55E00", "rmsprop": "#CC79A7",
    "adagrad": "#56B4E9", "adadelta": "#7F7F7F", "amsgrad": "#882255", "adamax": "#44AA99",
    "nadam": "#999933", "adamw": "#AA4499", "radam": "#6699CC", "lion": "#C9B400",
}
PALETTE = tuple(OPTIMIZER_COLORS.values())


def run_colors(names: list[str]) -> list[str]:
    """One colour per run: the optimizer's own colour for its first run, and for a repeat (e.g. two learning
    rates of Adam) a palette colour that no optimizer of this comparison owns and no other run uses."""
    taken = {OPTIMIZER_COLORS.get(name, PALETTE[0]) for name in names}
    spare = [c for c in PALETTE if c not in taken]
    colors, seen = [], set()
    for name in names:
        color = OPTIMIZER_COLORS.get(name, PALETTE[0])
        if name in seen and spare:
            color = spare.pop(0)
        seen.add(name)
        colors.append(color)
    return colors


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    foreground: str
    grid: str
    colorscale: str  # Plotly / matplotlib colour map for the contour fill


THEMES = {
    "light": Theme("light", "#FFFFFF", "#1A1A1A", "#D0D0D0", "Viridis"),
    "dark": Theme("dark", "#111111", "#F0F0F0", "#444444", "Cividis"),
}
