"""The app's "MNIST" page: the same optimizers on a real network, trained live, then its loss landscape.

Flow: controls (network, optimizers with their hyperparameters and learning-rate schedules, seeds; every
single-value setting is in the URL) → Train (runs inside this script run, with a progress bar and live loss
curves; any rerun, e.g. the Cancel button, stops it between chunks) → results table, mean ± sd over the seeds
→ the articles' table reproduced and explained (``ui.mnist_articles``) → the MLP's loss landscape on a 2D plane
with every optimizer's path, and its GIF/MP4 export. Results live in session state, keyed by the validated
config, so moving a landscape control does not retrain.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from mnist import compare, data, landscape, landscape_plane, networks, train, train_config
from mnist.train import Progress, TrainResult
from mnist.train_config import TrainConfig
from optimizers.registry import OPTIMIZERS, get_optimizer
from ui.explain import NOT_APPLICABLE
from ui.mnist_articles import render_comparisons, seed_table, show_noise, show_table
from ui.schedule_picker import schedule_picker
from validation import ValidationError
from viz.export import MIME_TYPES, ExportOptions, render_scene
from viz.figures import contour_paths_figure
from viz.paths import Marker, PathTrace
from viz.scene import Scene
from viz.theme import run_colors
from viz.training import LEGEND_BELOW_AXIS_TITLE, training_loss_figure

RESULT_KEY = "mnist_page.result"  # session state: (SeedStudy, [TrainResult per seed]) of the last Train
LANDSCAPE_KEY = "mnist_page.landscape"  # session state: (landscape inputs, Landscape)
EXPORT_KEY = "mnist_page.export"  # session state: {format: (landscape inputs, bytes)}
DEFAULT_OPTIMIZERS = ("adam", "gd", "momentum", "adagrad", "rmsprop")
SCHEDULE_KEY_PREFIX = "mnist_{optimizer}"  # of each optimizer's schedule picker: mnist_adam_schedule, …
N_TRAIN = train_config.N_TRAIN_IMAGES
LANDSCAPE_SAMPLE_RANGE = (100, N_TRAIN)
RESOLUTION_RANGE = (11, 81)
PERCENT = 100.0
START_CHOICE = "the shared start"
# Axis titles per plane: PCA and endpoint axes are orthonormal (distances in weight space); random ones are
# multiples of the filter-normalised directions.
AXIS_TITLES = {"pca": "PCA direction", "endpoints": "orthonormal direction", "random": "random direction"}
QUERY = "query-params"  # widgets holding one value keep it in the URL (?mnist_epochs=5), keyed by their key


@dataclass(frozen=True)
class LandscapeInputs:
    """Everything that shapes the landscape besides the training result (its cache key in session state)."""

    config: TrainConfig
    method: str
    center: str | None
    pair: tuple[str, str] | None
    resolution: int
    samples: int


LOCATE_AGAIN_AFTER_S = 300  # a failed search or download is tried again after this long, not on every rerun


@st.cache_resource(show_spinner="Reading MNIST …")
def _prepared(folder: str) -> train.Prepared:
    """The dataset in the model's sparse form, shared by every session (the folder is the cache key)."""
    return train.prepare(data.load(folder))


@st.cache_resource(ttl=LOCATE_AGAIN_AFTER_S, show_spinner="Looking for the MNIST files (downloading them once if "
                                                          "needed) …")
def _located(where: tuple[str, str]) -> tuple[str, str]:
    """(folder, "") or ("", why not), for every session: one search or download at a time, and a failure is
    kept for ``LOCATE_AGAIN_AFTER_S`` instead of being retried (with its network timeouts) on every rerun.
    ``where`` (the configured folder and the cache folder) is the cache key: the places the search looks."""
    try:
        return str(data.locate()), ""
    except data.MnistDataError as error:
        return "", str(error)


def _dataset() -> train.Prepared | None:
    """Find (or download) the files and prepare them; on failure explain how to provide them."""
    try:
        folder, failure = _located((os.environ.get(data.ENV_DIR, ""), str(data.cache_dir())))
        if failure:
            raise data.MnistDataError(failure)
        return _prepared(folder)
    except data.MnistDataError as error:
        st.error(str(error))
        st.info(f"To use this page offline, {data.how_to_provide()}.")
        return None


def _hyperparameter_inputs(name: str) -> dict[str, float]:
    """One number input per hyperparameter of ``name``, starting from this model's defaults."""
    spec = get_optimizer(name)
    defaults = train_config.mnist_hyperparams(name)
    values = {}
    columns = st.columns(len(spec.hyperparameters))
    for column, hp in zip(columns, spec.hyperparameters):
        values[hp.name] = column.number_input(
            hp.name, value=float(defaults[hp.name]), format="%g", key=f"mnist_hp_{name}_{hp.name}",
            help=hp.help + (" (this page's default for MNIST)" if hp.name == "lr" else ""))
    return values


def _run_inputs(name: str, steps: int) -> tuple[str, dict[str, float], str, dict[str, float]]:
    """One optimizer's hyperparameters and learning-rate schedule, as entered (train_config.mnist_run validates them)."""
    st.markdown(f"**{get_optimizer(name).title}**")
    hyperparams = _hyperparameter_inputs(name)
    schedule, schedule_params = schedule_picker(SCHEDULE_KEY_PREFIX.format(optimizer=name), steps)
    return name, hyperparams, schedule, schedule_params


def _controls() -> tuple[TrainConfig | None, int]:
    """The comparison the user set up, validated (None, with a message, when something is invalid), and the
    number of seeds to run it with."""
    model_name = st.radio("Network", list(networks.MODELS), format_func=networks.DESCRIPTIONS.get,
                          key="mnist_model", bind=QUERY, horizontal=True,
                          help="The MLP trains in seconds and has a loss landscape below; the CNN is the kind of "
                               "network the popular articles used (about ten times slower).")
    names = st.multiselect("Optimizers", list(OPTIMIZERS), default=list(DEFAULT_OPTIMIZERS),
                           key="mnist_optimizers", format_func=lambda name: OPTIMIZERS[name].short_title,
                           help="Every optimizer starts from the same weights and sees the same mini-batches.")
    first, second, third, fourth = st.columns(4)
    hidden = first.number_input("Hidden units H", 1, train_config.MAX_HIDDEN, train_config.DEFAULT_HIDDEN, key="mnist_hidden",
                                bind=QUERY, disabled=model_name != "mlp", help="The MLP's only size setting.")
    batch = second.number_input("Batch size", 1, N_TRAIN, train_config.DEFAULT_BATCH_SIZE, key="mnist_batch", bind=QUERY,
                                help="1 = stochastic GD (one image per step); the whole training set = batch GD; "
                                     "anything between = mini-batch GD.")
    epochs = third.number_input("Epochs", 1, train_config.MAX_EPOCHS, train_config.DEFAULT_EPOCHS, key="mnist_epochs",
                                bind=QUERY)
    subset = fourth.number_input("Training images", 1, N_TRAIN, N_TRAIN, key="mnist_train_subset", bind=QUERY,
                                 help="Train on a random subset for quicker runs (the test set is always all "
                                      "10,000 images).")
    left, right = st.columns(2)
    seed = left.number_input("Seed", 0, train_config.MAX_SEED, 0, key="mnist_seed", bind=QUERY,
                             help="Sets the initial weights and the mini-batch order.")
    n_seeds = right.number_input("Seeds to average", 1, compare.MAX_SEEDS, 1, key="mnist_seeds", bind=QUERY,
                                 help="Repeat with seeds seed, seed + 1, …: shows mean ± sd per optimizer and "
                                      "which gaps are within the noise.")
    steps = train_config.batches_per_epoch(subset, batch) * epochs
    with st.expander("Hyperparameters and learning-rate schedules (defaults chosen for this network)"):
        st.caption("Learning rates that train the MLP well in a few epochs: "
                   + ", ".join(f"{n} {OPTIMIZERS[n].mnist_lr:g}" for n in names)
                   + f". A schedule's parameters count optimizer steps; this run has {steps:,}.")
        choices = [_run_inputs(name, steps) for name in names]
    try:
        runs = [train_config.mnist_run(*choice) for choice in choices]
        return train_config.make_config(runs, hidden, batch, epochs, seed, None if subset == N_TRAIN else subset,
                                 model_name=model_name), n_seeds
    except ValidationError as error:
        st.error(str(error))
        return None, n_seeds


def _train(config: TrainConfig, n_seeds: int, prepared: train.Prepared) -> tuple[compare.SeedStudy, list]:
    """Train over the seeds with a progress bar and the first seed's live loss curves; a rerun interrupts at
    the next chunk."""
    cancel = st.empty()
    cancel.button("Cancel", key="mnist_cancel", help="Stops training (the page reruns).")
    bar = st.progress(0.0, text="Starting (the first run after an update also compiles the kernels) …")
    chart = st.empty()

    def report(progress: Progress) -> None:
        chart.plotly_chart(training_loss_figure(progress.result))

    def report_seeds(fraction: float, text: str) -> None:
        bar.progress(fraction, text=text)

    study, results = compare.run_seeds(config, prepared, n_seeds, report_seeds, on_train_progress=report)
    cancel.empty()
    bar.empty()
    chart.empty()
    return study, results


def _sentence(text: str) -> str:
    """``text`` with a capital first letter, as a chart title."""
    return text[:1].upper() + text[1:]


def _results_table(result: TrainResult) -> pd.DataFrame:
    """Optimizer → test accuracy after each epoch, time per epoch (training steps only, never compilation)
    and where it diverged; NaN where a number does not apply (shown as "—")."""
    config = result.config
    rows = []
    for i, label in enumerate(config.labels()):
        row = {"optimizer": label}
        for epoch in range(config.epochs):
            row[f"epoch {epoch + 1} (%)"] = PERCENT * result.test_accuracy[i, epoch]
        row["s / epoch"] = float(np.mean(result.seconds_per_epoch[i]))
        row["diverged at step"] = np.nan if result.diverged_at[i] is None else float(result.diverged_at[i])
        rows.append(row)
    return pd.DataFrame(rows).set_index("optimizer")


def _landscape_controls(config: TrainConfig) -> LandscapeInputs:
    method = st.radio("Plane", list(landscape_plane.PLANES), format_func=lambda m: landscape_plane.PLANES[m],
                      key="mnist_plane", horizontal=True)
    first, second, third, fourth = st.columns(4)
    pair = None
    center = None
    if method == "endpoints":
        a = first.selectbox("First optimizer", config.names, index=0, key="mnist_pair_a")
        b = second.selectbox("Second optimizer", config.names, index=min(1, len(config.names) - 1),
                             key="mnist_pair_b")
        pair = (a, b)
    else:
        choice = first.selectbox("Plane through", [START_CHOICE, *config.names], key="mnist_center",
                                 help="The centre of the plane: the initial weights, or one optimizer's "
                                      "final weights.")
        center = None if choice == START_CHOICE else choice
    resolution = third.slider("Grid points per axis", *RESOLUTION_RANGE, landscape.DEFAULT_RESOLUTION,
                              step=2, key="mnist_resolution")
    samples = fourth.number_input("Images for the loss", *LANDSCAPE_SAMPLE_RANGE, landscape.DEFAULT_SAMPLES,
                                  key="mnist_landscape_samples",
                                  help="A fixed random subset of the training images, evaluated at every "
                                       "grid point.")
    return LandscapeInputs(config, method, center, pair, resolution, samples)


def _landscape(result: TrainResult, prepared: train.Prepared, inputs: LandscapeInputs) -> landscape.Landscape:
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


def _show_landscape(result: TrainResult, prepared: train.Prepared) -> None:
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


def render() -> None:
    """Draw the MNIST page."""
    st.header("MNIST: the optimizers on a real network")
    st.markdown("A small network learns to read handwritten digits: an MLP (784 pixels → H hidden ReLU units → "
                "10 digits) or a small CNN like the popular articles'. Every optimizer uses exactly the same "
                "update code as on the 2D surfaces.")
    prepared = _dataset()
    if prepared is None:
        return
    config, n_seeds = _controls()
    if config is not None and st.button("Train", type="primary", key="mnist_train"):
        st.session_state.pop(LANDSCAPE_KEY, None)
        st.session_state.pop(EXPORT_KEY, None)
        st.session_state[RESULT_KEY] = _train(config, n_seeds, prepared)
    _show_results(config, n_seeds)
    render_comparisons(config, n_seeds, prepared)
    stored = st.session_state.get(RESULT_KEY)
    if stored is not None and stored[1][0].config.model == "mlp":
        _show_landscape(stored[1][0], prepared)


def _show_results(config: TrainConfig | None, n_seeds: int) -> None:
    stored = st.session_state.get(RESULT_KEY)
    if stored is None:
        st.info("Choose optimizers and press **Train**. Three epochs of five optimizers on the MLP take a few "
                "seconds; on the CNN, about a minute.")
        return
    study, results = stored
    result = results[0]
    if (result.config, len(results)) != (config, n_seeds):
        st.caption("The results below are from the previous settings; press **Train** to run these.")
    st.plotly_chart(training_loss_figure(result), key="mnist_loss")
    st.subheader(f"Test accuracy after each epoch (seed {result.config.seed})")
    table = _results_table(result)
    formats = {column: "{:.0f}" if column == "diverged at step" else "{:.2f}" for column in table.columns}
    st.dataframe(table.style.format(formats, na_rep=NOT_APPLICABLE))  # "—" where a number does not apply
    st.caption("s / epoch counts the training steps only; compiling the kernels (the first run after an "
               "update) is not included.")
    if len(results) > 1:
        st.subheader(f"Final test accuracy over seeds {', '.join(map(str, study.seeds))}")
        show_table(seed_table(study, result.config.names, with_article=False))
        show_noise(study)
