"""Lecture export: any comparison as an animated GIF or an H.264 MP4, for the app's download buttons and the CLI.

The unchanging picture (contour map, minima, axes, title, legend, empty loss panel) is drawn once with
matplotlib; every frame then only adds the moving parts (:mod:`viz.export_frames`). This keeps 120 frames at
640×480 well under two seconds.

Two levels of API:

* ``render_gif(result, options)`` / ``render_mp4(result, options)`` export an engine
  :class:`~simulation.engine.Result` on its 2D surface, looking like the app (same colour per optimizer).
* ``render_scene(scene, options, fmt, progress=None)`` exports any :class:`Scene` — a contour grid plus
  paths, the same inputs as :func:`viz.figures.contour_paths_figure` — so views with their own landscape
  reuse the same frame renderer, e.g. the MNIST loss plane::

      scene = Scene("MNIST loss plane", xs, ys, zs, tuple(path_traces), x_label="direction 1",
                    y_label="direction 2", loss_label="training loss")
      data = render_scene(scene, ExportOptions(frames=120, theme="dark"), "mp4", progress=bar.update)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import numpy as np
from PIL import Image

from landscapes.grid import surface_grid
from simulation.engine import Result
from validation import ValidationError, lookup, parse_int
from viz import raster
from viz.export_frames import FrameRenderer
from viz.paths import paths_from_result, surface_markers
from viz.scene import Scene
from viz.theme import THEMES

FRAMES_RANGE = (2, 600)
DEFAULT_FRAMES = 120
FPS_RANGE = (1, 60)
DEFAULT_FPS = 20  # 120 frames at 20 fps: a six-second loop, slow enough to follow every step on a slide
SIZES = {"640x480": (640, 480), "1280x720": (1280, 720)}
DEFAULT_SIZE = "640x480"
DEFAULT_THEME = "light"
FORMATS = ("gif", "mp4")
MIME_TYPES = {"gif": "image/gif", "mp4": "video/mp4"}
GRID_POINTS = 200  # contour grid resolution per axis: smooth at 1280 px, evaluated in a few milliseconds

Progress = Callable[[float], None]


@dataclass(frozen=True)
class ExportOptions:
    """Validated export options; values may arrive as text (CLI, widgets) and are normalised here.

    frames: 2…600 (long runs are sub-sampled evenly); fps: 1…60; size: one of :data:`SIZES` ("WxH");
    theme: a name in :data:`viz.theme.THEMES`; loss_panel: draw the loss curves beside (or below) the map.
    """

    frames: int = DEFAULT_FRAMES
    fps: int = DEFAULT_FPS
    size: str = DEFAULT_SIZE
    theme: str = DEFAULT_THEME
    loss_panel: bool = True

    def __post_init__(self) -> None:
        size = str(self.size).strip().lower().replace("×", "x").replace(" ", "")
        set_field = object.__setattr__  # the dataclass is frozen; normalising happens once, here
        set_field(self, "frames", parse_int("frames", self.frames, *FRAMES_RANGE))
        set_field(self, "fps", parse_int("fps", self.fps, *FPS_RANGE))
        set_field(self, "size", lookup("size", size, {name: name for name in SIZES}))
        set_field(self, "theme", lookup("theme", self.theme, {name: name for name in THEMES}))
        if not isinstance(self.loss_panel, bool):
            raise ValidationError(f"loss_panel must be true or false, got {self.loss_panel!r}")

    @property
    def dimensions(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return SIZES[self.size]


def frame_steps(steps: int, frames: int, keep: Iterable[int] = ()) -> np.ndarray:
    """The step shown by each of ``frames`` frames: evenly spaced over 0…steps, first 0 and last ``steps``.

    Each step in ``keep`` (e.g. a diverged run's last finite step) replaces the nearest inner sample, so that
    moment is shown while the frame count stays as requested. With more frames than steps, steps repeat
    (each step is held longer; a GIF stores a repeated frame as one frame with a longer delay).
    """
    shown = np.rint(np.linspace(0, steps, frames)).astype(np.int64)
    for step in sorted(set(keep)):
        if 0 < step < steps and step not in shown and frames > 2:
            inner = np.abs(shown[1:-1] - step)
            shown[1 + int(np.argmin(inner))] = step
    return np.sort(shown)


def scene_from_result(result: Result) -> Scene:
    """The scene of an engine result: its surface's contour map, minima and saddles, one path per run."""
    settings = result.settings
    spec = settings.surface_spec
    grid = surface_grid(spec.name, GRID_POINTS, settings.surface_params)
    return Scene(spec.title, grid.xs, grid.ys, grid.zs, tuple(paths_from_result(result)), settings.steps,
                 markers=tuple(surface_markers(spec)), log_color=spec.log_color, min_value=spec.min_value)


def render_frames(scene: Scene, options: ExportOptions, progress: Progress | None = None) -> Iterator[Image.Image]:
    """Yield the ``options.frames`` palette-mode frames of ``scene``, reporting progress after each one."""
    renderer = FrameRenderer(scene, THEMES[options.theme], options.dimensions, options.loss_panel)
    stops = [p.n_points - 1 for p in scene.paths if p.diverged_at is not None]
    steps = frame_steps(scene.last_step, options.frames, keep=stops)
    for done, step in enumerate(steps, start=1):
        yield renderer.frame(int(step))
        if progress is not None:
            progress(done / len(steps))


ENCODERS = {"gif": raster.encode_gif, "mp4": raster.encode_mp4}
RENDER_SHARE = 0.9  # of the progress bar; the GIF encoder writes the file only after the last frame


def render_scene(scene: Scene, options: ExportOptions, fmt: str, progress: Progress | None = None) -> bytes:
    """Encode ``scene`` as ``fmt`` ("gif" or "mp4").

    ``progress(fraction)`` is called as frames complete (up to ``RENDER_SHARE``) and with 1.0 once the
    file is encoded, for progress bars.
    """
    encoder = lookup("format", fmt, ENCODERS)
    report = None if progress is None else (lambda fraction: progress(RENDER_SHARE * fraction))
    data = encoder(render_frames(scene, options, report), options.fps)
    if progress is not None:
        progress(1.0)
    return data


def render_gif(result: Result, options: ExportOptions, progress: Progress | None = None) -> bytes:
    """A looping GIF of ``result`` on its surface."""
    return render_scene(scene_from_result(result), options, "gif", progress)


def render_mp4(result: Result, options: ExportOptions, progress: Progress | None = None) -> bytes:
    """An H.264 MP4 of ``result`` on its surface."""
    return render_scene(scene_from_result(result), options, "mp4", progress)
