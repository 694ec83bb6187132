"""The playground's views and animation speeds: what the view picker offers (plain Python, no Streamlit)."""
from __future__ import annotations

VIEWS = {"paths": "Map & loss", "animation": "Animation", "multiples": "Side by side",
         "inside": "Inside the optimizer"}
DEFAULT_VIEW = "paths"
SPEEDS = {"slow": 250, "normal": 100, "fast": 40}  # milliseconds per playback tick (ui.animation_player)
DEFAULT_SPEED = "normal"
