"""Colours and themes shared by the interactive figures and the exported frames.

Every optimizer keeps one colour everywhere (app, small multiples, GIF, MP4), so a lecturer's slide matches
what students saw in the app. The first seven colours are the colour-blind-safe Okabe–Ito set.
"""
from __future__ import annotations

from dataclasses import dataclass

from optimizers.registry import OPTIMIZERS, get_optimizer

# Each optimizer's colour is in its registry entry: the Okabe–Ito colours for the optimizers compared most
# often, then distinguishable extra hues.
PALETTE = tuple(optimizer.color for optimizer in OPTIMIZERS.values())


def run_colors(names: list[str]) -> list[str]:
    """One colour per run: the optimizer's own colour for its first run, and for a repeat (e.g. two learning
    rates of Adam) a palette colour that no optimizer of this comparison owns and no other run uses. An
    unknown optimizer name is an error."""
    own = [get_optimizer(name).color for name in names]
    spare = [c for c in PALETTE if c not in own]
    colors, seen = [], set()
    for name, color in zip(names, own):
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
