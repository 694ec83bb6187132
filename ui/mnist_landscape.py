"""The MNIST page's loss landscape: its controls (plane, centre, grid), the MLP's loss on the plane with every
optimizer's path, how much of the paths the plane shows, and the GIF/MP4 export. The landscape lives in session
state keyed by its inputs, so moving a control the landscape does not depend on does not recompute it."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from mnist import landscape
from mnist.landscape_plane import PLANES
from mnist.train import Prepared, TrainResult
from mnist.train_config import N_TRAIN_IMAGES, TrainConfig
from ui.mnist_controls import QUERY
from validation import ValidationError
from viz.export import MIME_TYPES, ExportOptions, render_scene
from viz.figures import contour_paths_figure
from viz.paths import Marker, PathTrace
from viz.scene import Scene
from viz.theme import run_colors
from viz.training import LEGEND_BELOW_AXIS_TITLE

LANDSCAPE_KEY = "mnist_page.landscape"  # session state: (landscape inputs, Landscape)
EXPORT_KEY = "mnist_page.export"  # session state: {format: (landscape inputs, bytes)}
LANDSCAPE_SAMPLE_RANGE = (100, N_TRAIN_IMAGES)
RESOLUTION_RANGE = (11, 81)
START_CHOICE = "the shared start"
PERCENT = 100.0
# Axis titles per plane: PCA and endpoint axes are orthonormal (distances in weight space); random ones are
# multiples of the filter-normalised directions.
AXIS_TITLES = {"pca": "PCA direction", "endpoints": "orthonormal direction", "random": "random direction"}


@dataclass(frozen=True)
class LandscapeInputs:
    """Everything that shapes the landscape besides the training result (its cache key in session state)."""

    config: TrainConfig
    method: str
    center: str | None
    pair: tuple[str, str] | None
    resolution: int
    samples: int


def forget_landscape() -> None:
    """Drop the stored landscape and its exports (a new training result makes them stale)."""
    st.session_state.pop(LANDSCAPE_KEY, None)
    st.session_state.pop(EXPORT_KEY, None)


def _sentence(text: str) -> str:
    """``text`` with a capital first letter, as a chart title."""
    return text[:1].upper() + text[1:]


def _landscape_controls(config: TrainConfig) -> LandscapeInputs:
    method = st.radio("Plane", list(PLANES), format_func=lambda m: PLANES[m],
                      key="mnist_plane", bind=QUERY, horizontal=True)
    first, second, third, fourth = st.columns(4)
    pair = None
    center = None
    if method == "endpoints":
        a = first.selectbox("First optimizer", config.names, index=0, key="mnist_pair_a", bind=QUERY)
        b = second.selectbox("Second optimizer", config.names, index=min(1, len(config.names) - 1),
                             key="mnist_pair_b", bind=QUERY)
        pair = (a, b)
    else:
        choice = first.selectbox("Plane through", [START_CHOICE, *config.names], key="mnist_center", bind=QUERY,
                                 help="The centre of the plane: the initial weights, or one optimizer's "
                                      "final weights.")
        center = None if choice == START_CHOICE else choice
    resolution = third.slider("Grid points per axis", *RESOLUTION_RANGE, landscape.DEFAULT_RESOLUTION,
                              step=2, key="mnist_resolution", bind=QUERY)
    samples = fourth.number_input("Images for the loss", *LANDSCAPE_SAMPLE_RANGE, landscape.DEFAULT_SAMPLES,
                                  key="mnist_landscape_samples", bind=QUERY,
                                  help="A fixed random subset of the training images, evaluated at every "
                                       "grid point.")
    return LandscapeInputs(config, method, center, pair, resolution, samples)


def _landscape(result: TrainResult, prepared: Prepared, inputs: LandscapeInputs) -> landscape.Landscape:
    stored = st.session_state.get(LANDSCAPE_KEY)
    if stored is not None and stored[0] == inputs:
        return stored[1]
    with st.spinner("Evaluating the loss on the plane …"):
        computed = landscape.compute(result, prepared.train, inputs.method, inputs.center, inputs.pair,
                                     inputs.resolution, inputs.samples, seed=inputs.config.seed)
    st.session_state[LANDSCAPE_KEY] = (inputs, computed)
    return computed


def _paths(result: TrainResult, land: landscape.Landscape) -> list[PathTrace]:
    losses = result.snapshot_losses()
    return [PathTrace(label, color, land.plane.paths[i], losses[i], result.diverged_at[i],
                      steps=result.snapshot_steps)
            for i, (label, color) in enumerate(zip(result.config.labels(), run_colors(result.config.names)))]


def _explained_text(result: TrainResult, land: landscape.Landscape) -> str:
    plane = land.plane
    per_run = ", ".join(f"{name} {PERCENT * share:.1f}%" for name, share in zip(result.config.names, plane.explained))
    text = (f"The plane captures **{PERCENT * plane.explained_total:.1f}%** of the squared distance the weights "
            f"travelled ({per_run}). ")
    if plane.method == "random":
        text += (f"Two random directions in a space of {plane.center.size:,} weights are almost perpendicular "
                 "to any path, so a path's projection stays near the centre: it is there, but shorter than a "
                 "line width, and the share rounds to 0.0%. A random plane shows how sharp the loss is around "
                 "the centre, not where training went; the PCA plane shows the paths.")
    elif plane.explained_total < 0.5:
        text += ("Most of the movement happens in directions this picture cannot show, so the paths look "
                 "shorter and the map may not explain where they went.")
    return text


def _export(result: TrainResult, land: landscape.Landscape, inputs: LandscapeInputs) -> None:
    """GIF/MP4 of the paths on the landscape through the lecture exporter."""
    # keyed, so it stays open across the reruns its own buttons cause (Prepare → Download)
    with st.expander("Export for a lecture (GIF / MP4)", key="mnist_export_open"):
        scene = Scene(
            f"MNIST loss: {AXIS_TITLES[land.plane.method]}s", land.xs, land.ys, land.zs,
            tuple(PathTrace(p.label, p.color, p.xy, p.losses, p.diverged_at) for p in _paths(result, land)),
            steps=land.plane.paths.shape[1] - 1, x_label=f"{AXIS_TITLES[land.plane.method]} 1",
            y_label=f"{AXIS_TITLES[land.plane.method]} 2",
            loss_label="training loss", step_numbers=tuple(int(step) for step in result.snapshot_steps))
        prepared = st.session_state.setdefault(EXPORT_KEY, {})
        for column, fmt in zip(st.columns(len(MIME_TYPES)), MIME_TYPES):
            with column:
                if prepared.get(fmt, (None,))[0] != inputs:
                    if not st.button(f"Prepare {fmt.upper()}", key=f"mnist_export_{fmt}"):
                        continue
                    with st.spinner(f"Rendering {fmt.upper()} …"):
                        prepared[fmt] = (inputs, render_scene(scene, ExportOptions(), fmt))
                st.download_button(f"Download {fmt.upper()}", prepared[fmt][1], file_name=f"mnist-landscape.{fmt}",
                                   mime=MIME_TYPES[fmt], key=f"mnist_download_{fmt}", on_click="ignore")


def show_landscape(result: TrainResult, prepared: Prepared) -> None:
    st.subheader("The loss landscape, with every optimizer's path")
    st.caption("The network has tens of thousands of weights; this map is the loss on a 2D plane through "
               "them, and each path is the weights' trajectory projected onto that plane.")
    try:
        inputs = _landscape_controls(result.config)
        land = _landscape(result, prepared, inputs)
    except ValidationError as error:
        st.error(str(error))
        return
    start = Marker("start", *land.plane.paths[0, 0], kind="start")
    figure = contour_paths_figure(land.xs, land.ys, land.zs, _paths(result, land), markers=[start],
                                  title=_sentence(land.plane.description), equal_aspect=True)
    figure.update_xaxes(title_text=f"{AXIS_TITLES[land.plane.method]} 1")
    figure.update_yaxes(title_text=f"{AXIS_TITLES[land.plane.method]} 2")
    figure.update_layout(legend=dict(y=LEGEND_BELOW_AXIS_TITLE))
    st.plotly_chart(figure, key="mnist_map")
    st.markdown(_explained_text(result, land))
    _export(result, land, inputs)
