"""The frame renderer of the lecture export: the unchanging picture drawn once (:mod:`viz.export_static`), then
each frame only adds the moving parts with Pillow, straight onto the indices of one shared 256-colour palette
(:mod:`viz.raster`). Paths and loss curves only ever grow, so they are drawn incrementally onto persistent
layers; each frame copies those layers and adds the current points, the loss cursor and the step counter.
``viz/export.py`` chooses the frames and encodes them.
"""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from viz import raster
from viz.export_picture import Panel, StaticPicture
from viz.export_static import draw_static
from viz.scene import Scene
from viz.theme import Theme

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


class FrameRenderer:
    """Draws frame after frame of one scene; construct once, then call :meth:`frame` with rising steps.

    ``dimensions``: (width, height) in pixels; ``loss_panel``: draw the loss curves beside (or below) the map.
    """

    def __init__(self, scene: Scene, theme: Theme, dimensions: tuple[int, int], loss_panel: bool):
        self.scene = scene
        self.theme = theme
        # a path without losses (PathTrace allows that) leaves nothing to plot beside the map
        loss_panel = loss_panel and all(path.losses is not None for path in scene.paths)
        self.static: StaticPicture = draw_static(scene, theme, dimensions, loss_panel,
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
