"""The app's lecture-export panel: options, then "Prepare" → progress → "Download GIF" / "Download MP4".

Rendering happens only when the user asks for it, so moving a slider elsewhere stays fast. A render is a job
shared by every session that asks for the same file (:mod:`ui.jobs`), and finished files are kept by every
input that shapes them (the frozen settings and the export options); the engine result is recomputed inside
the job rather than hashed, because hashing its arrays would cost more.
"""
from __future__ import annotations

import streamlit as st

from landscapes.registry import CUSTOM_PREFIX
from simulation import engine
from simulation.engine import Result
from simulation.settings import Settings
from ui import jobs, links
from validation import ValidationError
from viz.export import (DEFAULT_FPS, DEFAULT_FRAMES, DEFAULT_SIZE, DEFAULT_THEME, FORMATS, FPS_RANGE,
                        FRAMES_RANGE, MIME_TYPES, SIZES, ExportOptions, render_scene, scene_from_result)
from viz.theme import THEMES

PREPARED_KEY = "export_panel.prepared"  # session state: {format: (settings, options)} already rendered
CACHED_EXPORTS = 8  # a few finished files per server: one lecture's worth of views, a few MB each
FILE_STEM = "descent-lab"
OWN_FUNCTION_SLUG = "own-function"  # a formula is no file name: it may hold '/', '*' or spaces
OPTION_DEFAULTS = {"export_frames": DEFAULT_FRAMES, "export_fps": DEFAULT_FPS, "export_size": DEFAULT_SIZE,
                   "export_theme": DEFAULT_THEME, "export_loss_panel": True}  # widget key → first value


def _file_slug(surface: str) -> str:
    return OWN_FUNCTION_SLUG if surface.startswith(CUSTOM_PREFIX) else surface


def export_bytes(settings: Settings, options: ExportOptions, fmt: str) -> bytes:
    """The encoded file for ``settings`` and ``options``, rendered once for every session asking for it
    while each shows the render's progress (:mod:`ui.jobs`)."""
    def work(report, cancelled) -> bytes:
        return render_scene(scene_from_result(engine.run(settings)), options, fmt, report)
    return jobs.shared_result("export", (settings, options, fmt), work, f"Rendering {fmt.upper()} …",
                              keep=CACHED_EXPORTS)


def _options() -> ExportOptions:
    """The export option widgets, in two rows so the labels stay readable in a narrow column. Each keeps its
    value while the panel is not drawn (a closed section)."""
    for key, default in OPTION_DEFAULTS.items():
        links.seed(key, default)
    kept = links.KEEP_WHILE_HIDDEN
    first, second, third = st.columns(3)
    frames = first.slider("Frames", *FRAMES_RANGE, key="export_frames", persist_state=kept,
                          help="Long runs are sub-sampled evenly; the last frame is always the last step.")
    fps = second.slider("Frames per second", *FPS_RANGE, key="export_fps", persist_state=kept)
    size = third.selectbox("Size", list(SIZES), key="export_size", format_func=lambda s: s.replace("x", " × "),
                           persist_state=kept)
    theme_column, loss_column = st.columns(2)
    theme = theme_column.radio("Theme", list(THEMES), horizontal=True, key="export_theme", persist_state=kept)
    loss_panel = loss_column.checkbox("Include the loss curves", key="export_loss_panel", persist_state=kept)
    return ExportOptions(frames=frames, fps=fps, size=size, theme=theme, loss_panel=loss_panel)


def _format_controls(settings: Settings, options: ExportOptions, fmt: str) -> None:
    """A "Prepare" button until the file for the current inputs exists, then its download button."""
    label = fmt.upper()
    prepared = st.session_state.setdefault(PREPARED_KEY, {})
    slot = st.empty()  # the download button takes the Prepare button's place in the same run
    if prepared.get(fmt) != (settings, options):
        if not slot.button(f"Prepare {label}", key=f"export_prepare_{fmt}"):
            return
        prepared[fmt] = (settings, options)
    data = export_bytes(settings, options, fmt)
    slot.download_button(f"Download {label}", data,
                         file_name=f"{FILE_STEM}-{_file_slug(settings.surface)}.{fmt}", mime=MIME_TYPES[fmt],
                         key=f"export_download_{fmt}", on_click="ignore", type="primary")


def render_export_panel(settings: Settings, result: Result) -> None:
    """Export the current comparison as a GIF or MP4 for slides, drawn into the current container (the
    page puts it where it likes, e.g. in an expander).

    ``result`` is the run the page already shows. It is accepted so every view panel has the same
    signature, but not used: the cached renderer recomputes it from ``settings`` (milliseconds), which
    keeps the cache key small.
    """
    try:
        options = _options()
    except ValidationError as error:
        st.error(str(error))
        return
    if options.frames > settings.steps + 1:
        st.caption(f"This run has {settings.steps} steps, so some of the {options.frames} frames repeat a step "
                   "(it is held longer; the animation still lasts frames ÷ fps).")
    for column, fmt in zip(st.columns(len(FORMATS)), FORMATS):
        with column:
            _format_controls(settings, options, fmt)
