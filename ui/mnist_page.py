"""The app's "MNIST" page: the same optimizers on a real network, trained live, then its loss landscape.

Flow: controls (``ui.mnist_controls``) → Train (one shared job for every session asking with the same settings,
with a progress bar and live loss curves; any rerun, e.g. the Cancel button, stops this session's waiting) →
results table, mean ± sd over the seeds
→ the articles' table reproduced and explained (``ui.mnist_articles``) → the MLP's loss landscape on a 2D plane
with every optimizer's path, and its GIF/MP4 export (``ui.mnist_landscape``). Results live in session state,
keyed by the validated config, so moving a landscape control does not retrain.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from mnist import compare
from mnist.train import Prepared, Progress, TrainResult
from mnist.train_config import TrainConfig
from ui import jobs, links
from ui.explain import NOT_APPLICABLE
from ui.mnist_articles import render_comparisons, seed_table, show_noise, show_table
from ui.mnist_controls import URL_NOTES_KEY, URL_SEEN_KEY, controls, decode_url, is_schedule_url_name
from ui.mnist_dataset import dataset
from ui.mnist_landscape import forget_landscape, show_landscape
from viz.training import training_loss_figure

TRAINING_JOB = "mnist training"  # the shared job board's kind for Train
TRAININGS_KEPT = 8  # finished trainings kept on the server for sessions asking again: a lecture's worth
RESULT_KEY = "mnist_page.result"  # session state: (SeedStudy, [TrainResult per seed]) of the last Train
PERCENT = 100.0


def _train(config: TrainConfig, n_seeds: int, prepared: Prepared) -> tuple[compare.SeedStudy, list]:
    """Train over the seeds once for every session asking with the same settings (:mod:`ui.jobs`), with a
    progress bar and the first seed's live loss curves; Cancel (any rerun) stops this session's waiting, and
    the training stops when nobody waits for it any more."""
    cancel = st.empty()
    inputs = (config, n_seeds)
    if not jobs.has_result(TRAINING_JOB, inputs):
        cancel.button("Cancel", key="mnist_cancel", help="Stops training (the page reruns).")

    def work(report, cancelled) -> tuple[compare.SeedStudy, list]:
        said = [0.0, ""]  # the fraction of every seed's steps done so far, and which seed and epoch

        def report_seeds(fraction: float, text: str) -> None:
            said[:] = [fraction, text]

        def report_training(progress: Progress) -> None:
            first_seed = progress.result.config.seed == config.seed
            report(said[0], said[1], progress.result if first_seed else None)

        return compare.run_seeds(config, prepared, n_seeds, report_seeds, on_train_progress=report_training)

    study, results = jobs.shared_result(
        TRAINING_JOB, inputs, work, "Training (the first run after an update also compiles the kernels) …",
        keep=TRAININGS_KEPT, show_partial=lambda result: st.plotly_chart(training_loss_figure(result)))
    cancel.empty()
    return study, results


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


def render() -> None:
    """Draw the MNIST page: the bound widgets take their values from the address themselves, the schedules
    through :func:`ui.mnist_controls.decode_url`."""
    with links.following_the_address(decode_url, URL_SEEN_KEY, URL_NOTES_KEY, is_schedule_url_name):
        _render_page()


def _render_page() -> None:
    st.header("MNIST: the optimizers on a real network")
    st.markdown("A small network learns to read handwritten digits: an MLP (784 pixels → H hidden ReLU units → "
                "10 digits) or a small CNN like the popular articles'. Every optimizer uses exactly the same "
                "update code as on the 2D surfaces.")
    links.show_url_notes(URL_NOTES_KEY)
    prepared = dataset()
    if prepared is None:
        return
    config, n_seeds = controls()
    if config is not None and st.button("Train", type="primary", key="mnist_train"):
        forget_landscape()
        st.session_state[RESULT_KEY] = _train(config, n_seeds, prepared)
    _show_results(config, n_seeds)
    render_comparisons(config, n_seeds, prepared)
    stored = st.session_state.get(RESULT_KEY)
    if stored is not None and stored[1][0].config.model == "mlp":
        show_landscape(stored[1][0], prepared)


def _show_results(config: TrainConfig | None, n_seeds: int) -> None:
    stored = st.session_state.get(RESULT_KEY)
    if stored is None:
        st.info("Choose optimizers and press **Train**. Three epochs of five optimizers on the MLP take a few "
                "seconds; on the CNN, a minute or two.")
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
