"""What one exported animation shows: a contour grid plus paths, shared by the exporter and its static layer."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viz.paths import Marker, PathTrace

# A scene's path is the app's own PathTrace (label, color, xy, losses, diverged_at; rows after a divergence
# may be NaN), so every view hands the exporter what it already hands its Plotly figure.


def legend_label(path: PathTrace) -> str:
    """The path's label, plus where it diverged (its path stops at the last finite point)."""
    if path.diverged_at is None:
        return path.label
    return f"{path.label} — diverged at step {path.diverged_at}"


@dataclass(frozen=True)
class Scene:
    """Everything one exported animation shows: the inputs of :func:`viz.figures.contour_paths_figure`, so any
    view that draws a contour map with paths (the 2D playground, the MNIST loss plane) can export it.

    title: the text above the picture.
    xs (nx,), ys (ny,): the grid axes (they also set the map's limits); zs (ny, nx): loss values,
        zs[i, j] = f(xs[j], ys[i]), coloured as the app colours them (log colour when ``log_color``).
    paths: :class:`viz.paths.PathTrace` items — label, colour, xy (n, 2) after 0…n−1 steps, losses (n,),
        diverged_at; NaN rows after a divergence are not drawn.
    steps: the steps the animation spans (frames sub-sample 0…steps); None → the longest path.
    markers: :class:`viz.paths.Marker` items (minima, saddles); every path's start is marked as well.
    min_value: the loss at the global minimum, if known: the loss panel then shows f − min_value on a log
        axis, as the app's loss chart does.
    equal_aspect: one unit in x as long as one in y (the app's default).
    x_label, y_label: axis titles; loss_label: the loss axis title (None → the app's title for that axis).
    step_numbers: when each path row is a snapshot taken after several updates (the MNIST paths), the update
        count of each row, so the step counter and the loss panel's axis count optimizer steps.
    """

    title: str
    xs: np.ndarray
    ys: np.ndarray
    zs: np.ndarray
    paths: tuple[PathTrace, ...]
    steps: int | None = None
    markers: tuple[Marker, ...] = ()
    log_color: bool = False
    min_value: float | None = None
    equal_aspect: bool = True
    x_label: str = "x"
    y_label: str = "y"
    loss_label: str | None = None
    step_numbers: tuple[int, ...] | None = None  # the optimizer step of each path row, when rows are snapshots

    def step_label(self, row: float) -> float:
        """The optimizer step at (fractional) path row ``row``: the row itself unless ``step_numbers`` is set."""
        if self.step_numbers is None:
            return row
        return float(np.interp(row, np.arange(len(self.step_numbers)), self.step_numbers))

    @property
    def last_step(self) -> int:
        """The step of the last frame."""
        if self.steps is not None:
            return self.steps
        return max((len(path.xy) - 1 for path in self.paths), default=0)

    @property
    def all_markers(self) -> tuple[Marker, ...]:
        """The given markers plus one start marker per distinct start point."""
        starts = dict.fromkeys(tuple(map(float, p.xy[0])) for p in self.paths if p.n_points)
        return (*self.markers, *(Marker("start", x, y, "start") for x, y in starts))
