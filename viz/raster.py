"""Pillow helpers for the lecture exporter: fonts, one shared palette, line clipping and GIF/MP4 encoding.

Nothing here knows about optimizers or surfaces; :mod:`viz.export` composes these pieces into frames.
"""
from __future__ import annotations

import io
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
from PIL import Image, ImageColor, ImageFont

GIF_SLOTS = 256  # a GIF palette holds at most 256 colours
MS_PER_SECOND = 1000
# GIF delays are stored in hundredths of a second, and browsers play any delay below 20 ms as 100 ms,
# so GIF frames last at least this long (MP4 keeps the exact frame rate).
MIN_GIF_FRAME_MS = 20
GIF_DELAY_UNIT_MS = 10
MP4_CODEC = "libx264"
MP4_PIXEL_FORMAT = "yuv420p"  # the format every player decodes; it needs even width and height
# every size offered is even, which is all yuv420p needs; imageio would otherwise rescale to multiples of 16
MP4_BLOCK = 2
MP4_QUALITY = 8  # imageio's 0…10 scale: visually clean lines without large files


@lru_cache(maxsize=None)
def font(size_px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans at ``size_px``, from the copy matplotlib bundles (the same face the static picture uses,
    and present on every machine that has matplotlib, unlike system fonts)."""
    from matplotlib import font_manager  # only rendering needs it; importing viz.export stays light

    props = font_manager.FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal")
    return ImageFont.truetype(font_manager.findfont(props, fallback_to_default=True), size_px)


def rgb(color: str) -> tuple[int, int, int]:
    """``"#D55E00"`` (or any colour Pillow knows) → (213, 94, 0)."""
    r, g, b = ImageColor.getrgb(color)[:3]
    return r, g, b


class SharedPalette:
    """One 256-colour palette for every frame: the background's own colours, exact reserved colours and one
    transparent slot that is never drawn.

    Every frame is drawn straight onto palette indices, so no per-frame quantisation is needed, frames never
    flicker between palettes, and each reserved colour (an optimizer's) appears in the file exactly. The
    GIF encoder fills pixels that did not change since the previous frame with the transparent slot, which
    compresses far better than repeating the contour map.
    """

    def __init__(self, background: Image.Image, reserved: Iterable[str]):
        exact = list(dict.fromkeys(rgb(c) for c in reserved))
        adaptive = GIF_SLOTS - len(exact) - 1
        reduced = background.convert("RGB").quantize(colors=adaptive, method=Image.Quantize.MEDIANCUT,
                                                     dither=Image.Dither.NONE)
        flat = reduced.getpalette()[:3 * adaptive]
        found = [tuple(flat[i:i + 3]) for i in range(0, len(flat), 3)]
        # distinct entries only: the encoder maps each frame's palette by colour, so a duplicate would move
        colors = list(dict.fromkeys(exact + found))
        # at most 255 colours so far, so the last slot is always filler: it becomes the transparent one
        self.colors = colors + _unused_colors(set(colors), GIF_SLOTS - len(colors))
        self.transparent = GIF_SLOTS - 1
        # Quantising against a palette whose transparent slot repeats slot 0 means no pixel ever maps to it.
        self._lookup = _palette_image(self.colors[:self.transparent] + [self.colors[0]])
        self.image = _palette_image(self.colors)

    def index(self, color: str) -> int:
        """The palette index of a reserved colour."""
        return self.colors.index(rgb(color))

    def quantize(self, image: Image.Image) -> Image.Image:
        """Map an RGB image onto the shared palette (nearest colour, no dithering: flat areas stay flat)."""
        indexed = image.convert("RGB").quantize(palette=self._lookup, dither=Image.Dither.NONE)
        indexed.putpalette(self.image.getpalette())
        indexed.info["transparency"] = self.transparent  # copies and crops inherit it, so every frame has it
        return indexed


def _palette_image(colors: list[tuple[int, int, int]]) -> Image.Image:
    image = Image.new("P", (1, 1))
    image.putpalette([v for color in colors for v in color])
    return image


def _unused_colors(taken: set, count: int) -> list[tuple[int, int, int]]:
    """``count`` colours not in ``taken`` (palette filler and the transparent key: never visible)."""
    fresh = []
    value = 0
    while len(fresh) < count:
        color = (value % 256, (value // 256) % 256, 255)
        value += 1
        if color not in taken:
            fresh.append(color)
    return fresh


def clip_segments(points: np.ndarray, box: tuple[float, float, float, float]):
    """Clip each segment points[i] → points[i+1] to ``box`` = (left, top, right, bottom) (Liang–Barsky).

    Returns (starts, ends, visible, joined): the clipped end points, whether any part of segment i is
    inside, and whether segment i continues segment i−1 without a gap (so both belong to one polyline).
    Clipping first keeps coordinates small: a diverging path can reach 1e12 pixels, which Pillow cannot draw.
    """
    p0, p1 = points[:-1], points[1:]
    d = p1 - p0
    t0 = np.zeros(len(d))
    t1 = np.ones(len(d))
    outside = np.zeros(len(d), dtype=bool)
    left, top, right, bottom = box
    for axis, low, high in ((0, left, right), (1, top, bottom)):
        for p, q in ((-d[:, axis], p0[:, axis] - low), (d[:, axis], high - p0[:, axis])):
            parallel = p == 0
            outside |= parallel & (q < 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(parallel, 0.0, q / np.where(parallel, 1.0, p))
            t0 = np.where(p < 0, np.maximum(t0, ratio), t0)
            t1 = np.where(p > 0, np.minimum(t1, ratio), t1)
    visible = (t0 <= t1) & ~outside
    joined = np.zeros(len(d), dtype=bool)
    joined[1:] = visible[1:] & visible[:-1] & (t1[:-1] >= 1.0) & (t0[1:] <= 0.0)
    return p0 + t0[:, None] * d, p0 + t1[:, None] * d, visible, joined


def polylines(starts: np.ndarray, ends: np.ndarray, visible: np.ndarray, joined: np.ndarray,
              first: int, stop: int) -> Iterator[list[float]]:
    """Flat coordinate lists ``[x0, y0, x1, y1, …]`` for the visible segments ``first … stop-1``."""
    index = np.flatnonzero(visible[first:stop]) + first
    if index.size == 0:
        return
    # a new polyline starts wherever a segment does not continue the one drawn just before it
    breaks = np.flatnonzero(~joined[index] | (np.diff(index, prepend=index[0] - 2) != 1))
    for begin, end in zip(breaks, list(breaks[1:]) + [index.size]):
        run = index[begin:end]
        yield np.vstack([starts[run[:1]], ends[run]]).ravel().tolist()


def gif_frame_ms(fps: int) -> int:
    """The per-frame delay a GIF can store for ``fps`` (rounded to its 10 ms unit, at least 20 ms)."""
    delay = round(MS_PER_SECOND / fps / GIF_DELAY_UNIT_MS) * GIF_DELAY_UNIT_MS
    return max(MIN_GIF_FRAME_MS, delay)


def encode_gif(frames: Iterator[Image.Image], fps: int) -> bytes:
    """A looping GIF of palette frames that share the palette and transparent slot of :class:`SharedPalette`.

    Passing that palette explicitly keeps it global (no per-frame colour tables); ``optimize`` with the
    transparent slot lets the encoder store each frame as only the pixels that changed.
    """
    first = next(frames)
    buffer = io.BytesIO()
    first.save(buffer, format="GIF", save_all=True, append_images=frames, duration=gif_frame_ms(fps),
               loop=0, optimize=True, palette=first.getpalette(), transparency=first.info["transparency"])
    return buffer.getvalue()


def encode_mp4(frames: Iterator[Image.Image], fps: int) -> bytes:
    """An H.264 MP4 (yuv420p) of ``frames`` via imageio's ffmpeg plugin and imageio-ffmpeg's binary."""
    import imageio.v2 as imageio  # imported here: GIF export and the app's first page load never need it

    with tempfile.TemporaryDirectory(prefix="descent-lab-mp4-") as folder:
        path = Path(folder) / "export.mp4"
        writer = imageio.get_writer(path, format="FFMPEG", mode="I", fps=fps, codec=MP4_CODEC,
                                    pixelformat=MP4_PIXEL_FORMAT, quality=MP4_QUALITY,
                                    macro_block_size=MP4_BLOCK, ffmpeg_log_level="error")
        try:
            for frame in frames:
                writer.append_data(np.asarray(frame.convert("RGB")))
        finally:
            writer.close()
        return path.read_bytes()
