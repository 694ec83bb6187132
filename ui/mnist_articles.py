"""The MNIST page's comparisons with the popular articles: their settings in one click, torch's defaults
against tuned learning rates, and seed noise.

Heavy jobs (several seeds × five optimizers, or a learning-rate grid) are jobs shared by every session
(:mod:`ui.jobs`): a class that presses the same button with the same settings runs them once, each session
showing their progress, the time left as measured on the runs done so far, or their place in the queue; Cancel
(any rerun) stops waiting, and a job nobody waits for stops at its next progress report, a few seconds away
(``compare.PROGRESS_CHUNKS``). The grid is a job of its own, keyed without the number of seeds, so changing
the seeds reuses it.
"""
from __future__ import annotations

from typing import Callable, Hashable

import numpy as np
import pandas as pd
import streamlit as st

from mnist import compare, presets, train, train_config
from mnist.train_config import TrainConfig
from optimizers.registry import OPTIMIZERS
from ui import jobs
from ui.explain import NOT_APPLICABLE

PERCENT = 100.0
EXPLANATION = (
    "**Why the rankings differ.** The articles ran every optimizer at Keras' default learning rate. Those "
    "defaults are not equally good for this task: torch's Adadelta rate (1.0) is a thousand times Keras' "
    "(0.001), at which Adadelta barely moves in five epochs, and torch's SGD rate (0.001) is ten times "
    "smaller than Keras'. A table of optimizers at their defaults therefore ranks the *default learning "
    "rates*: change the defaults and the order changes. Give each optimizer a rate that suits it (the grid "
    "picks the one with the lowest training loss, without looking at the test set) before comparing, and "
    "compare the gaps with the seeds' noise before calling a winner.")


COMPARISONS_KEPT = 8  # finished comparisons per kind kept on the server: a lecture's worth of settings
Comparison = Callable[[compare.ProgressText, Callable[[], bool]], object]  # work(on_progress, cancelled)


def run_shared(kind: str, key: Hashable, job: Comparison, label: str):
    """``job(on_progress, cancelled)``'s result, computed once for all sessions (:mod:`ui.jobs`), with a Cancel
    button while this session waits (pressing it reruns the page, which stops waiting). The progress bar shows
    the job's own text and the time left (``compare.TimeLeft``)."""
    cancel = st.empty()
    if not jobs.has_result(kind, key):
        cancel.button("Cancel", key=f"{kind}_cancel", help="Stops the computation (the page reruns).")
    result = jobs.shared_result(kind, key, board_work(job), label, keep=COMPARISONS_KEPT)
    cancel.empty()
    return result


def board_work(job: Comparison) -> jobs.Work:
    """``job`` as the job board runs it: its reports carry the time left, and a cancelled training stops the
    way the board expects (:class:`ui.jobs.JobCancelled`)."""
    def work(report: Callable[..., None], cancelled: Callable[[], bool]):
        try:
            return job(compare.with_time_left(report), cancelled)
        except train.TrainingCancelled:
            raise jobs.JobCancelled() from None
    return work


def study_job(config: TrainConfig, n_seeds: int, prepared: train.Prepared) -> Comparison:
    """A shared job's work: the seed study of ``config`` (only the study is kept, not every run's weights)."""
    return lambda report, cancelled: compare.run_seeds(config, prepared, n_seeds, report, cancelled)[0]


def tuning_job(config: TrainConfig, prepared: train.Prepared) -> Comparison:
    """A shared job's work: ``config``'s optimizers at every rate of ``compare.TUNING_GRID`` (seed config.seed)."""
    return lambda report, cancelled: compare.tune(config, prepared, config.names, on_progress=report,
                                                  cancelled=cancelled)


def seed_table(study: compare.SeedStudy, names: list[str], with_article: bool = True) -> pd.DataFrame:
    """Per optimizer (best first): mean ± sd of the final test accuracy and, for context, the articles' number."""
    rows = []
    for rank, i in enumerate(study.ranking(), start=1):
        row = {"rank": rank, "optimizer": study.labels[i], "mean (%)": PERCENT * study.mean[i],
               "sd (points)": PERCENT * study.sd[i]}
        if with_article:
            row["articles' CNN (%)"] = presets.ARTICLE_ACCURACY.get(names[i], np.nan)
        rows.append(row)
    return pd.DataFrame(rows).set_index("rank")


def show_table(table: pd.DataFrame) -> None:
    numbers = {column: "{:.2f}" for column in table.columns if column != "optimizer"}
    st.dataframe(table.style.format(numbers, na_rep=NOT_APPLICABLE))  # "—" where no number applies


def show_noise(study: compare.SeedStudy) -> None:
    st.markdown("\n".join(f"- {note}" for note in study.noise_notes()))


def _preset_config(preset: str, config: TrainConfig) -> TrainConfig:
    return train_config.make_config(presets.preset_runs(preset), config.hidden, presets.KERAS_BATCH_SIZE,
                             presets.KERAS_EPOCHS, config.seed, config.train_subset, compare.PROGRESS_CHUNKS,
                             model_name=config.model)


def _articles_section(config: TrainConfig, n_seeds: int, prepared: train.Prepared) -> None:
    keras = _preset_config("keras", config)
    key = ("keras", keras, n_seeds)
    if not (st.button("As the articles did", key="mnist_articles", type="primary",
                      help="Keras' default hyperparameters (SGD 0.01, Adagrad 0.001, Adadelta 0.001 with ρ 0.95, "
                           "RMSprop 0.001 with ρ 0.9, ε 1e-7), 5 epochs, batch 128.")
            or jobs.has_result("mnist_articles", key)):
        return
    study = run_shared("mnist_articles", key, study_job(keras, n_seeds, prepared), "Training as the articles did:")
    show_table(seed_table(study, keras.names))
    follows = presets.follows_article_order(dict(zip(keras.names, study.mean)))
    st.markdown(f"With Keras' defaults on this {config.model.upper()}, over seed"
                f"{'s' if n_seeds > 1 else ''} {', '.join(map(str, study.seeds))}: the articles' order "
                f"(Adam and RMSprop, then SGD, Adagrad, Adadelta last) is "
                f"**{'reproduced' if follows else 'not reproduced'}**.")
    show_noise(study)


def _tuned_section(config: TrainConfig, n_seeds: int, prepared: train.Prepared) -> None:
    torch_config = _preset_config("torch", config)
    keys = {"mnist_torch_defaults": (torch_config, n_seeds), "mnist_tuning": torch_config}
    grid = ", ".join(f"{lr:g}" for lr in compare.TUNING_GRID)
    if not (st.button("torch's defaults and tuned rates", key="mnist_tuned",
                      help=f"The same optimizers at torch's defaults, then each at learning rates {grid}.")
            or all(jobs.has_result(kind, key) for kind, key in keys.items())):
        return
    study = run_shared("mnist_torch_defaults", keys["mnist_torch_defaults"],
                       study_job(torch_config, n_seeds, prepared), "Training at torch's defaults:")
    tuning = run_shared("mnist_tuning", keys["mnist_tuning"], tuning_job(torch_config, prepared),
                        "Training each optimizer at every rate of the grid:")
    rows = []
    for i, name in enumerate(torch_config.names):
        best = tuning.best(i)
        rows.append({"optimizer": OPTIMIZERS[name].short_title,
                     "torch default lr": torch_config.runs[i].values["lr"],
                     "at torch's default (%)": PERCENT * study.mean[i],
                     "tuned lr": tuning.grid[best], "at the tuned lr (%)": PERCENT * tuning.accuracy[i, best]})
    table = pd.DataFrame(rows).set_index("optimizer")
    st.dataframe(table.style.format({"torch default lr": "{:g}", "tuned lr": "{:g}",
                                     "at torch's default (%)": "{:.2f}", "at the tuned lr (%)": "{:.2f}"},
                                    na_rep=NOT_APPLICABLE))
    st.caption(f"Tuned: each optimizer at {grid}, other hyperparameters at torch's defaults; the rate with the "
               f"lowest training loss over the last epoch is kept (seed {config.seed}).")
    show_noise(study)


def render_comparisons(config: TrainConfig | None, n_seeds: int, prepared: train.Prepared) -> None:
    """The articles' table beside ours, and torch's defaults against tuned rates, for the chosen network."""
    st.subheader("The articles' table, reproduced and explained")
    if config is None:
        return
    st.caption(f"The articles' five optimizers on this page's network ({config.model.upper()}), "
               f"{presets.KERAS_EPOCHS} epochs, batch {presets.KERAS_BATCH_SIZE}, {n_seeds} seed"
               f"{'s' if n_seeds > 1 else ''}. Results are kept for everyone who asks the same question.")
    left, right = st.columns(2)
    with left:
        _articles_section(config, n_seeds, prepared)
    with right:
        _tuned_section(config, n_seeds, prepared)
    st.markdown(EXPLANATION)
