"""Cached calls into the core for the playground: every input that changes a result is an argument.

Results and grids are plain data (``st.cache_data``). Figures are cached with ``st.cache_resource``: a Plotly
figure takes ~80 ms to unpickle, which is what ``st.cache_data`` would do on every hit, while
``st.plotly_chart`` only reads the figure (it serialises a copy), so sharing one object is safe.
"""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from landscapes.grid import DEFAULT_RESOLUTION, SurfaceGrid, surface_grid
from simulation.engine import Result, run
from simulation.settings import Settings
from viz import result_figures

# A class moving one learning-rate slider visits all of its options (61) again and again: the caches hold each
# of them twice over, so a position comes back from the cache instead of being evicted just before its next use.
CACHED_RESULTS = 128  # ~50 KB each at typical sizes (with the optimizer state recorded)
CACHED_GRIDS = 32  # one per surface (and κ value) in use
CACHED_FIGURES = 128  # ~0.05–0.5 MB each; bounded so a class cannot grow memory without limit
# Settings are frozen dataclasses of strings and numbers, so their repr is a complete, exact key; hashing it
# is far cheaper than Streamlit's generic hashing of the object tree on every call.
SETTINGS_HASH = {Settings: repr}

# Every figure drawn at a step: the player's figures at step 0, "Inside the optimizer" at the chosen step.
FIGURE_BUILDERS = {
    "3d": result_figures.surface_figure,
    "3d_loss": lambda result, grid, step: result_figures.loss_side_figure(result, step),
    "animation": result_figures.animation_figure,
    "inside": result_figures.inside_figure,
    "multiples": result_figures.multiples_figure,
}


@st.cache_data(max_entries=CACHED_RESULTS, show_spinner=False, hash_funcs=SETTINGS_HASH)
def simulate(settings: Settings) -> Result:
    """Every run of ``settings``, with the optimizer state recorded (for arrows and effective steps)."""
    return run(settings, record_state=True)


@st.cache_data(max_entries=CACHED_GRIDS, show_spinner=False)
def grid(surface: str, surface_params: tuple[tuple[str, float], ...],
         resolution: int = DEFAULT_RESOLUTION) -> SurfaceGrid:
    return surface_grid(surface, resolution, surface_params)


@st.cache_data(max_entries=CACHED_GRIDS, show_spinner=False)
def gradient_latex(formula: str) -> tuple[str, str]:
    """LaTeX of ∂f/∂x and ∂f/∂y for a formula that has already been accepted (parsing takes SymPy time)."""
    from landscapes.expression import compile_expression  # SymPy loads only for users' own functions

    return compile_expression(formula)[2]


@st.cache_resource(max_entries=CACHED_FIGURES, show_spinner=False, hash_funcs=SETTINGS_HASH)
def figure(kind: str, settings: Settings, step: int = 0) -> go.Figure:
    """The ``kind`` figure (a key of ``FIGURE_BUILDERS``) for ``settings`` at ``step``; treat it as read-only."""
    surface_grid_ = grid(settings.surface, settings.surface_params)
    return FIGURE_BUILDERS[kind](simulate(settings), surface_grid_, step)
