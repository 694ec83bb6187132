"""The part of an exported frame that never changes, drawn once with matplotlib (Agg, no pyplot).

Contour map with minima, saddles and start points, axes, title, legend and an empty loss panel are
rendered to one RGB image. The exporter then draws only the moving parts on top, using the pixel
transforms of the two panels that :func:`draw_static` returns.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from viz.scene import Scene, legend_label
from viz.figures import N_CONTOURS, color_scale
from viz.export_picture import POINTS_PER_INCH, Box, LossAxis, Panel, StaticPicture, loss_axis, px
from viz.paths import MARKER_STYLES
from viz.theme import Theme

if TYPE_CHECKING:  # matplotlib itself (half a second to import) loads with the first export, not with the app
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

# Geometry is defined at this height in inches; the dpi scales it, so fonts and lines keep the same share
# of the frame at every size (a 720-pixel frame is a 480-pixel one at 1.5× the dpi).
FIGURE_HEIGHT_IN = 4.8
TITLE_PT = 15
LABEL_PT = 11
TITLE_X = 0.01  # title and step counter sit this share of the width in from the left and right edges
TICK_PT = 10
COUNTER_PT = 13
TITLE_GAP = 0.03  # share of the width kept free between the title and the step counter
LEGEND_PT = 11
CONTOUR_LINE_ALPHA = 0.35  # as the app's contour lines: help read the shape without hiding the paths
MAP_TO_LOSS_WIDTH = 1.7  # the map is the main picture; the loss panel beside it is narrower
STACKED_MAP_TO_LOSS_HEIGHT = 2.0  # likewise when the loss panel sits below the map
# Approximate share of the frame (width, height) that the map's cell gets in each layout, after title,
# legend, tick labels and the loss panel: enough to tell which layout gives the map more pixels.
SIDE_MAP_CELL = (0.6, 0.78)
STACKED_MAP_CELL = (0.92, 0.52)
LOSS_STEP_MARGIN = 0.03  # room right of the last step, so the final loss dots are not cut in half
LEGEND_HANDLE_EM = 2.8  # matplotlib's legend handle (2 em) and its gap to the text (0.8 em)
LEGEND_COLUMN_GAP_EM = 2.0  # matplotlib's spacing between legend columns
LEGEND_LINE_WIDTH = 3  # points: a legend line as thick as a path reads as its colour swatch
# The app's Plotly marker symbols, drawn by matplotlib: symbol → (marker, filled).
MATPLOTLIB_MARKERS = {"star": ("*", True), "star-open": ("*", False), "x": ("X", True), "circle": ("o", True)}
MARKER_POINTS_PER_PX = 0.75  # Plotly sizes are pixels at ~100 dpi; matplotlib's are points
MARKER_EDGE = "#222222"  # the app's marker outline

def _style_axes(ax, theme: Theme) -> None:
    """Theme colours and projector-sized text for one axes, set on the axes itself: matplotlib's global
    rcParams are shared by every thread, and the app may render two exports at once."""
    ax.set_facecolor(theme.background)
    ax.tick_params(colors=theme.foreground, labelsize=TICK_PT)
    for spine in ax.spines.values():
        spine.set_color(theme.foreground)


def _panel(ax, height: int) -> Panel:
    """The pixel box of ``ax`` and a mapping from its data coordinates into that box (top-left origin)."""
    extent = ax.get_window_extent()
    left, right = int(np.ceil(extent.x0)), int(np.floor(extent.x1))
    top, bottom = int(np.ceil(height - extent.y1)), int(np.floor(height - extent.y0))
    transform = ax.transData.frozen()

    def to_pixels(points: np.ndarray) -> np.ndarray:
        display = transform.transform(np.asarray(points, dtype=np.float64))
        return np.column_stack([display[:, 0] - left, height - display[:, 1] - top])

    return Panel((left, top, right, bottom), to_pixels)


def _legend_columns(label_widths: list[float], available: float, font_px: float) -> int:
    """The most legend columns whose labels fit across ``available`` pixels.

    matplotlib fills columns top to bottom, the first ``n % columns`` of them one entry longer; each column
    also holds a handle, and columns are spaced apart.
    """
    count = len(label_widths)
    for columns in range(count, 1, -1):
        rows, longer = divmod(count, columns)
        sizes = [rows + 1] * longer + [rows] * (columns - longer)
        starts = np.cumsum([0] + sizes[:-1])
        labels = sum(max(label_widths[a:a + n]) for a, n in zip(starts, sizes))
        needed = labels + font_px * (LEGEND_HANDLE_EM * columns + LEGEND_COLUMN_GAP_EM * (columns - 1))
        if needed <= available:
            return columns
    return 1


def _draw_markers(ax, markers) -> list:
    """The app's markers (minima, saddles, starts) in matplotlib; returns their artists."""
    artists = []
    for kind in dict.fromkeys(m.kind for m in markers):
        group = [m for m in markers if m.kind == kind]
        symbol, color, size = MARKER_STYLES[kind]
        marker, filled = MATPLOTLIB_MARKERS[symbol]
        artists += ax.plot([m.x for m in group], [m.y for m in group], linestyle="none", marker=marker,
                           markersize=size * MARKER_POINTS_PER_PX, markerfacecolor=color if filled else "none",
                           markeredgecolor=MARKER_EDGE if filled else color, markeredgewidth=1.2)
    return artists


def _draw_map(ax, scene: Scene, theme: Theme) -> list:
    """Contour map (coloured as in the app), markers and axis labels; returns the marker artists."""
    values = color_scale(scene.zs, scene.log_color).values
    ax.contourf(scene.xs, scene.ys, values, levels=N_CONTOURS, cmap=theme.colorscale.lower())
    ax.contour(scene.xs, scene.ys, values, levels=N_CONTOURS, colors="white", linewidths=0.5,
               alpha=CONTOUR_LINE_ALPHA)
    markers = _draw_markers(ax, scene.all_markers)
    ax.set_xlim(scene.xs[0], scene.xs[-1])
    ax.set_ylim(scene.ys[0], scene.ys[-1])
    if scene.equal_aspect:
        ax.set_aspect("equal", adjustable="box")
    _style_axes(ax, theme)
    ax.set_xlabel(scene.x_label, color=theme.foreground, fontsize=LABEL_PT)
    ax.set_ylabel(scene.y_label, color=theme.foreground, fontsize=LABEL_PT)
    return markers


def _rgba(canvas: FigureCanvasAgg) -> np.ndarray:
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


def _marker_overlay(fig, canvas: FigureCanvasAgg, ax, markers: list, box: Box) -> Image.Image:
    """The map's markers alone on a transparent background, cropped to the map panel.

    Drawn after the full picture: the layout is frozen first, so the markers land on the same pixels.
    """
    fig.set_layout_engine("none")
    keep = {id(fig), id(ax), *map(id, markers)}
    for artist in fig.findobj():
        if id(artist) not in keep:
            artist.set_visible(False)
    return Image.fromarray(_rgba(canvas), "RGBA").crop(box)


def _draw_loss_axes(ax, scene: Scene, theme: Theme) -> LossAxis:
    axis = loss_axis(scene)
    if axis.log:
        ax.set_yscale("log")
    ax.set_ylim(*axis.limits)
    ax.set_xlim(0, scene.last_step * (1 + LOSS_STEP_MARGIN))
    if scene.step_numbers is not None:  # rows are snapshots: label the axis in optimizer steps
        ax.xaxis.set_major_formatter(lambda row, _: f"{scene.step_label(row):,.0f}")
    _style_axes(ax, theme)
    ax.set_xlabel("step", color=theme.foreground, fontsize=LABEL_PT)
    # above the panel rather than along its side: reads horizontally and fits a short stacked panel
    ax.set_title(scene.loss_label or axis.title, loc="left", color=theme.foreground, fontsize=LABEL_PT)
    ax.grid(True, color=theme.grid, linewidth=0.6)
    return axis


def _map_area(cell: tuple[float, float], aspect: float) -> float:
    """Pixels of a map with data ``aspect`` (width / height) fitted into ``cell``."""
    cell_width, cell_height = cell
    map_width = min(cell_width, aspect * cell_height)
    return map_width * map_width / aspect


def _axes(fig: Figure, scene: Scene, size: tuple[int, int]) -> list:
    """Map and loss panel side by side, or stacked when that gives an equal-aspect map more room
    (a wide domain such as the ravine's on a 4:3 frame)."""
    width, height = size
    aspect = (scene.xs[-1] - scene.xs[0]) / (scene.ys[-1] - scene.ys[0]) if scene.equal_aspect else 1.0
    side = _map_area((SIDE_MAP_CELL[0] * width, SIDE_MAP_CELL[1] * height), aspect)
    stacked = _map_area((STACKED_MAP_CELL[0] * width, STACKED_MAP_CELL[1] * height), aspect)
    if stacked > side:
        return list(fig.subplots(2, 1, height_ratios=[STACKED_MAP_TO_LOSS_HEIGHT, 1]))
    return list(fig.subplots(1, 2, width_ratios=[MAP_TO_LOSS_WIDTH, 1]))


def _fit_title(title, renderer, max_width: float) -> None:
    """Shrink the title (down to the label size), then shorten it with an ellipsis, until it fits."""
    width = title.get_window_extent(renderer).width
    if width > max_width:
        title.set_fontsize(max(LABEL_PT, TITLE_PT * max_width / width))
    text = title.get_text()
    while title.get_window_extent(renderer).width > max_width and len(text) > 1:
        text = text[:-1].rstrip()
        title.set_text(text + "…")


def _text_width(fig: Figure, renderer, text: str, **style) -> float:
    probe = fig.text(0, 0, text, **style)
    width = probe.get_window_extent(renderer).width
    probe.remove()
    return width


def _draw_title(fig: Figure, renderer, text: str, counter_text: str, theme: Theme):
    """The bold title at the top left, fitted to leave room for the step counter at the top right."""
    title = fig.suptitle(text, x=TITLE_X, ha="left", fontsize=TITLE_PT, fontweight="bold", color=theme.foreground)
    counter_width = _text_width(fig, renderer, counter_text, fontsize=COUNTER_PT, fontweight="bold")
    _fit_title(title, renderer, fig.bbox.width * (1 - 2 * TITLE_X - TITLE_GAP) - counter_width)
    return title


def _draw_legend(fig: Figure, renderer, paths, theme: Theme) -> None:
    """One entry per path below the panels, in as many columns as fit across the frame."""
    from matplotlib.lines import Line2D

    labels = [legend_label(path) for path in paths]
    handles = [Line2D([], [], color=path.color, linewidth=LEGEND_LINE_WIDTH) for path in paths]
    widths = [_text_width(fig, renderer, label, fontsize=LEGEND_PT) for label in labels]
    font_px = LEGEND_PT * fig.dpi / POINTS_PER_INCH
    fig.legend(handles, labels, loc="outside lower center", frameon=False, fontsize=LEGEND_PT,
               labelcolor=theme.foreground, ncols=_legend_columns(widths, fig.bbox.width, font_px))


def draw_static(scene: Scene, theme: Theme, size: tuple[int, int], loss_panel: bool,
                counter_text: str) -> StaticPicture:
    """Render the unchanging part of every frame of ``scene``; ``counter_text`` is the widest step counter,
    for which the title row keeps room on the right."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width, height = size
    dpi = height / FIGURE_HEIGHT_IN
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, facecolor=theme.background, layout="constrained")
    canvas = FigureCanvasAgg(fig)
    axes = _axes(fig, scene, size) if loss_panel else [fig.subplots()]
    markers = _draw_map(axes[0], scene, theme)
    axis = _draw_loss_axes(axes[1], scene, theme) if loss_panel else None
    renderer = canvas.get_renderer()
    title = _draw_title(fig, renderer, scene.title, counter_text, theme)
    _draw_legend(fig, renderer, scene.paths, theme)
    image = Image.fromarray(_rgba(canvas)[..., :3])
    title_box = title.get_window_extent()
    anchor = (width - round(TITLE_X * width), round(height - (title_box.y0 + title_box.y1) / 2))
    map_panel = _panel(axes[0], height)
    loss = _panel(axes[1], height) if loss_panel else None
    overlay = _marker_overlay(fig, canvas, axes[0], markers, map_panel.box)
    return StaticPicture(image, map_panel, loss, axis, overlay, anchor, dpi, px(COUNTER_PT, dpi))
