"""Lecture export: any comparison as an animated GIF or an H.264 MP4, for the app's download buttons and the CLI.

The unchanging picture (contour map, minima, axes, title, legend, empty loss panel) is drawn once with
matplotlib (:mod:`viz.export_static`); every frame then only adds the moving parts with Pillow, straight onto
the indices of one shared 256-colour palette (:mod:`viz.raster`). Paths and loss curves only ever grow, so
they are drawn incrementally onto persistent layers; each frame copies those layers and adds the current
points, the loss cursor and the step counter. This keeps 120 frames at 640×480 well under two seconds.

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
from PIL import Image, ImageDraw

from landscapes.grid import surface_grid
from simulation.engine import Result
from validation import ValidationError, lookup, parse_int
from viz import raster
from viz.export_static import Panel, StaticPicture, draw_static
from viz.paths import paths_from_result, surface_markers
from viz.scene import Scene
from viz.theme import THEMES, Theme

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

# Sizes of the moving parts in typographic points; converted with the picture's dpi so they scale with the frame.
PATH_LINE_PT = 2.0
LOSS_LINE_PT = 1.6
MARKER_RADIUS_PT = 4.5
MARKER_OUTLINE_PT = 1.2
CURSOR_LINE_PT = 0.8
DIVERGED_CROSS_PT = 5.0
MARKER_OUTLINE = "white"  # readable on every colour map used for the contour fill
CROSS_OUTLINE = "black"
CLIP_MARGIN_PT = 10  # segments are clipped a little outside their panel, so lines end cleanly at its edge
LOG_BELOW_PANEL = 1e3  # losses a log axis cannot show are drawn this factor below its lower limit
OVERLAY_ALPHA_CUT = 128  # marker pixels at least half covered are drawn above the paths

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


class _Track:
    """One path's pixel geometry in one panel, drawn incrementally onto that panel's persistent layer."""

    def __init__(self, pixels: np.ndarray, bounds: tuple[float, float, float, float], color_index: int):
        self.pixels = pixels
        self.color_index = color_index
        self.segments = raster.clip_segments(pixels, bounds) if len(pixels) > 1 else None
        self.drawn = 0  # segments already on the layer

    def advance(self, draw: ImageDraw.ImageDraw, step: int, width: int) -> None:
        """Draw the segments that end at steps ≤ ``step`` and are not drawn yet."""
        stop = min(step, len(self.pixels) - 1)
        if self.segments is None or stop <= self.drawn:
            return
        for line in raster.polylines(*self.segments, self.drawn, stop):
            draw.line(line, fill=self.color_index, width=width, joint="curve")
        self.drawn = stop

    def current(self, step: int) -> np.ndarray | None:
        """The pixel at ``step`` (the last finite one for a stopped path), or None when there is none."""
        if len(self.pixels) == 0:
            return None
        return self.pixels[min(step, len(self.pixels) - 1)]


class _Layer:
    """A panel's persistent image (palette indices) with the tracks drawn onto it so far."""

    def __init__(self, base: Image.Image, panel: Panel, tracks_pixels: list[np.ndarray],
                 color_indices: list[int], margin: int):
        self.panel = panel
        self.image = base.crop(panel.box)
        width, height = self.image.size
        bounds = (-margin, -margin, width + margin, height + margin)
        self.tracks = [_Track(p, bounds, i) for p, i in zip(tracks_pixels, color_indices)]
        self._draw = ImageDraw.Draw(self.image)

    def advance(self, step: int, width: int) -> None:
        for track in self.tracks:
            track.advance(self._draw, step, width)

    def inside(self, point: np.ndarray, margin: int) -> bool:
        width, height = self.image.size
        return -margin <= point[0] <= width + margin and -margin <= point[1] <= height + margin


class _FrameRenderer:
    """Draws frame after frame of one scene; construct once, then call :meth:`frame` with rising steps."""

    def __init__(self, scene: Scene, options: ExportOptions):
        # matplotlib is imported only when a file is rendered: the CLI and the app's pages start faster

        self.scene = scene
        self.theme: Theme = THEMES[options.theme]
        # a path without losses (PathTrace allows that) leaves nothing to plot beside the map
        loss_panel = options.loss_panel and all(path.losses is not None for path in scene.paths)
        self.static: StaticPicture = draw_static(scene, self.theme, options.dimensions, loss_panel,
                                                 self._counter_text(scene.last_step))
        px = self.static.px
        self.sizes = dict(path=px(PATH_LINE_PT), loss=px(LOSS_LINE_PT), radius=px(MARKER_RADIUS_PT),
                          outline=px(MARKER_OUTLINE_PT), cursor=px(CURSOR_LINE_PT), cross=px(DIVERGED_CROSS_PT))
        colors = [path.color for path in scene.paths]
        reserved = colors + [self.theme.foreground, self.theme.background, MARKER_OUTLINE, CROSS_OUTLINE]
        self.palette = raster.SharedPalette(self.static.image, reserved)
        self.base = self.palette.quantize(self.static.image)
        self.color_indices = [self.palette.index(c) for c in colors]
        margin = px(CLIP_MARGIN_PT)
        map_panel = self.static.map_panel
        self.map = _Layer(self.base, map_panel, [map_panel.to_pixels(p.xy[:p.n_points]) for p in scene.paths],
                          self.color_indices, margin)
        self.loss = self._loss_layer(margin) if self.static.loss_panel else None
        overlay = self.static.marker_overlay
        self.marker_overlay = self.palette.quantize(overlay)
        # a hard mask: the overlay goes onto palette indices, where partial coverage cannot be blended
        self.marker_mask = overlay.getchannel("A").point(lambda a: 255 if a >= OVERLAY_ALPHA_CUT else 0, "1")
        self.counter_font = raster.font(self.static.counter_px, bold=True)
        self.counter_size = self._counter_size()

    def _loss_layer(self, margin: int) -> _Layer:
        axis = self.static.loss_axis
        panel = self.static.loss_panel
        # a log axis cannot place losses ≤ 0: put them just below the panel, where clipping hides them
        floor = axis.limits[0] / LOG_BELOW_PANEL if axis.log else -np.inf
        curves = [panel.to_pixels(np.column_stack([np.arange(len(series)), np.maximum(series, floor)]))
                  for series in axis.series]
        return _Layer(self.base, panel, curves, self.color_indices, margin)

    def _counter_text(self, step: int) -> str:
        """Optimizer steps, also when each frame row is a snapshot taken after many of them."""
        return f"step {self.scene.step_label(step):,.0f} / {self.scene.step_label(self.scene.last_step):,.0f}"

    def _counter_size(self) -> tuple[int, int]:
        """A box that fits the widest counter text, so every frame overwrites the previous counter entirely."""
        left, top, right, bottom = self.counter_font.getbbox(self._counter_text(self.scene.last_step))
        pad = self.sizes["outline"] * 2
        return right - left + 2 * pad, bottom - top + 2 * pad

    def _counter(self, step: int) -> tuple[Image.Image, tuple[int, int]]:
        """The step counter rendered with anti-aliasing, mapped onto the shared palette, and where it goes."""
        width, height = self.counter_size
        patch = Image.new("RGB", (width, height), self.theme.background)
        ImageDraw.Draw(patch).text((width, height / 2), self._counter_text(step), font=self.counter_font,
                                   fill=self.theme.foreground, anchor="rm")
        x, y = self.static.counter_anchor
        return self.palette.quantize(patch), (x - width, y - height // 2)

    def _draw_markers(self, layer: _Layer, image: Image.Image, step: int, outline: int) -> None:
        """A dot at each path's current point; a cross where a path stopped because it diverged."""
        draw = ImageDraw.Draw(image)
        radius = self.sizes["radius"]
        for path, track in zip(self.scene.paths, layer.tracks):
            point = track.current(step)
            if point is None or not layer.inside(point, radius):
                continue
            x, y = point
            if path.diverged_at is not None and step >= path.diverged_at:
                self._draw_cross(draw, x, y, track.color_index)
            else:
                draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=track.color_index,
                             outline=outline, width=self.sizes["outline"])

    def _draw_cross(self, draw: ImageDraw.ImageDraw, x: float, y: float, color_index: int) -> None:
        """An outlined × in the path's colour (the app's end marker of a diverged run)."""
        arm, line, outline = self.sizes["cross"], self.sizes["path"], self.sizes["outline"]
        for stroke in ((x - arm, y - arm, x + arm, y + arm), (x - arm, y + arm, x + arm, y - arm)):
            draw.line(stroke, fill=self.palette.index(CROSS_OUTLINE), width=line + 2 * outline)
            draw.line(stroke, fill=color_index, width=line)

    def _map_image(self, step: int) -> Image.Image:
        self.map.advance(step, self.sizes["path"])
        image = self.map.image.copy()
        image.paste(self.marker_overlay, (0, 0), self.marker_mask)
        self._draw_markers(self.map, image, step, self.palette.index(MARKER_OUTLINE))
        return image

    def _loss_image(self, step: int) -> Image.Image:
        self.loss.advance(step, self.sizes["loss"])
        image = self.loss.image.copy()
        x = float(self.loss.panel.to_pixels(np.array([[step, self.static.loss_axis.limits[1]]]))[0, 0])
        ImageDraw.Draw(image).line((x, 0, x, image.height), fill=self.palette.index(self.theme.foreground),
                                   width=self.sizes["cursor"])
        self._draw_markers(self.loss, image, step, self.palette.index(self.theme.background))
        return image

    def frame(self, step: int) -> Image.Image:
        """The frame showing every path up to ``step`` (steps must not decrease between calls)."""
        frame = self.base.copy()
        frame.paste(self._map_image(step), self.map.panel.box[:2])
        if self.loss is not None:
            frame.paste(self._loss_image(step), self.loss.panel.box[:2])
        counter, position = self._counter(step)
        frame.paste(counter, position)
        return frame


def render_frames(scene: Scene, options: ExportOptions, progress: Progress | None = None) -> Iterator[Image.Image]:
    """Yield the ``options.frames`` palette-mode frames of ``scene``, reporting progress after each one."""
    renderer = _FrameRenderer(scene, options)
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
