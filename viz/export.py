"""Lecture export: any comparison as an animated GIF or an H.264 MP4, for the app's download buttons and the CLI.

The unchanging picture (contour map, minima, axes, title, legend, empty loss panel) is drawn once with
matplotlib (:mod:`viz.export_static`); every frame then only adds the moving parts with Pillow, straight onto
the indices of one shared 256-colour palette (:mod:`viz.raster`). Paths and loss curves only ever grow, so
they are drawn incrementally onto persistent layers; each frame copies those layers and adds the current
points, the loss cursor and the step counter. This keeps 120 frames at 640×480 well under two seconds.

Two levels of API:

* ``render_gif(result, options)`` / ``render_mp4(result, options)`` export an engine
  :class:`~optimizers.engine.Result` on its 2D surface, looking like the app (same colour per optimizer).
* ``render_scene(scene, options, fmt)`` exports any :class:`Scene` — a contour grid plus paths — so views
  with their own landscape (e.g. the MNIST loss plane) reuse the same frame renderer.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import numpy as np
from PIL import Image, ImageDraw

from landscapes import surfaces as kernels
from landscapes.registry import Surface
from optimizers.engine import Result
from validation import ValidationError, lookup, parse_int
from viz import raster
from viz.export_static import Panel, StaticPicture, draw_static
from viz.theme import THEMES, Theme, run_colors

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
COUNTER_PT = 13
MARKER_OUTLINE = "white"  # readable on every colour map used for the contour fill
CROSS_OUTLINE = "black"
CLIP_MARGIN_PT = 10  # segments are clipped a little outside their panel, so lines end cleanly at its edge

Progress = Callable[[float], None]
Point = tuple[float, float]


@dataclass(frozen=True)
class ExportOptions:
    """Validated export options; values may arrive as text (CLI, widgets) and are normalised here.

    frames: 2…600 (long runs are sub-sampled evenly); fps: 1…60; size: one of :data:`SIZES` ("WxH");
    theme: a name in :data:`viz.theme.THEMES`; loss_panel: draw the loss curves beside the map.
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


@dataclass(frozen=True)
class AnimatedPath:
    """One optimizer's path in plot coordinates.

    points (n, 2): finite positions, row t = after t steps; losses (n,): the loss at each point;
    diverged_at: the step at which the run diverged (its path stops at the last finite point), or None.
    """

    label: str
    color: str
    points: np.ndarray
    losses: np.ndarray
    diverged_at: int | None = None

    @property
    def legend_label(self) -> str:
        if self.diverged_at is None:
            return self.label
        return f"{self.label} — diverged at step {self.diverged_at}"


@dataclass(frozen=True)
class Scene:
    """Everything one exported animation shows; build it directly to export a view with its own landscape.

    title: the text above the picture. xs (nx,), ys (ny,): the contour grid axes (they also set the map's
    limits); zs (ny, nx): the values to colour, already transformed (e.g. log10(f − f_min + 1)).
    paths: the animated paths; steps: the number of steps the animation spans (frames sub-sample 0…steps).
    minima, local_minima, saddles: points marked on the map. x_label, y_label, loss_label: axis titles.
    """

    title: str
    xs: np.ndarray
    ys: np.ndarray
    zs: np.ndarray
    paths: tuple[AnimatedPath, ...]
    steps: int
    minima: tuple[Point, ...] = ()
    local_minima: tuple[Point, ...] = ()
    saddles: tuple[Point, ...] = ()
    x_label: str = "x"
    y_label: str = "y"
    loss_label: str = "loss"

    @property
    def starts(self) -> tuple[Point, ...]:
        """The distinct start points of the paths (marked with a ring)."""
        firsts = (tuple(map(float, p.points[0])) for p in self.paths if len(p.points))
        return tuple(dict.fromkeys(firsts))


def frame_steps(steps: int, frames: int, keep: Iterable[int] = ()) -> np.ndarray:
    """The step shown by each of ``frames`` frames: evenly spaced over 0…steps, first 0 and last ``steps``.

    Each step in ``keep`` (e.g. a diverged run's last finite step) replaces the nearest inner sample, so that
    moment is shown while the frame count stays as requested. With more frames than steps, steps repeat.
    """
    shown = np.rint(np.linspace(0, steps, frames)).astype(np.int64)
    for step in sorted(set(keep)):
        if 0 < step < steps and step not in shown and frames > 2:
            inner = np.abs(shown[1:-1] - step)
            shown[1 + int(np.argmin(inner))] = step
    return np.sort(shown)


def surface_grid(spec: Surface, c: np.ndarray, points: int = GRID_POINTS):
    """(xs, ys, f) on a ``points`` × ``points`` grid over the surface's plotting domain; f[j, i] = f(xs[i], ys[j])."""
    (x_min, x_max), (y_min, y_max) = spec.domain
    xs, ys = np.linspace(x_min, x_max, points), np.linspace(y_min, y_max, points)
    values = np.array([[kernels.value(spec.sid, x, y, c) for x in xs] for y in ys])
    return xs, ys, values


def color_values(spec: Surface, values: np.ndarray) -> np.ndarray:
    """What the contour map colours: f itself, or log10(f − f_min + 1) for surfaces spanning many decades."""
    if not spec.log_color:
        return values
    f_min = spec.min_value if spec.min_value is not None else float(values.min())
    return np.log10(np.maximum(values - f_min, 0.0) + 1.0)


def scene_from_result(result: Result) -> Scene:
    """The scene of an engine result: its surface's contour map and one path per optimizer run."""
    settings = result.settings
    spec = settings.surface_spec
    xs, ys, values = surface_grid(spec, spec.param_vector(dict(settings.surface_params)))
    colors = run_colors([run.optimizer for run in settings.runs])
    paths = tuple(
        AnimatedPath(run.label, color, result.positions[k, :result.n_points(k)],
                     result.losses[k, :result.n_points(k)], result.diverged_at[k])
        for k, (run, color) in enumerate(zip(settings.runs, colors)))
    return Scene(spec.title, xs, ys, color_values(spec, values), paths, settings.steps,
                 minima=spec.minima, local_minima=spec.local_minima, saddles=spec.saddles)


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
        self.scene = scene
        self.theme: Theme = THEMES[options.theme]
        self.static: StaticPicture = draw_static(scene, self.theme, options.dimensions, options.loss_panel)
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
        self.map = _Layer(self.base, map_panel, [map_panel.to_pixels(p.points.reshape(-1, 2))
                                                 for p in scene.paths], self.color_indices, margin)
        self.loss = self._loss_layer(margin) if self.static.loss_panel else None
        self.counter_font = raster.font(px(COUNTER_PT), bold=True)
        self.counter_size = self._counter_size()

    def _loss_layer(self, margin: int) -> _Layer:
        low, high = self.static.loss_axis.limits
        panel = self.static.loss_panel
        curves = [panel.to_pixels(np.column_stack([np.arange(len(p.losses)), np.clip(p.losses, low, high)]))
                  for p in self.scene.paths]
        return _Layer(self.base, panel, curves, self.color_indices, margin)

    def _counter_text(self, step: int) -> str:
        return f"step {step:,} / {self.scene.steps:,}"

    def _counter_size(self) -> tuple[int, int]:
        """A box that fits the widest counter text, so every frame overwrites the previous counter entirely."""
        left, top, right, bottom = self.counter_font.getbbox(self._counter_text(self.scene.steps))
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
        radius, cross = self.sizes["radius"], self.sizes["cross"]
        for path, track in zip(self.scene.paths, layer.tracks):
            point = track.current(step)
            if point is None or not layer.inside(point, radius):
                continue
            x, y = point
            if path.diverged_at is not None and step >= path.diverged_at:
                for corners in ((x - cross, y - cross, x + cross, y + cross), (x - cross, y + cross, x + cross, y - cross)):
                    draw.line(corners, fill=self.palette.index(CROSS_OUTLINE), width=self.sizes["path"] + 2 * self.sizes["outline"])
                    draw.line(corners, fill=track.color_index, width=self.sizes["path"])
            else:
                draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=track.color_index,
                             outline=outline, width=self.sizes["outline"])

    def _map_image(self, step: int) -> Image.Image:
        self.map.advance(step, self.sizes["path"])
        image = self.map.image.copy()
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
    stops = [len(p.points) - 1 for p in scene.paths if p.diverged_at is not None]
    steps = frame_steps(scene.steps, options.frames, keep=stops)
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
