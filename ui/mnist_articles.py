"""The MNIST page's comparisons with the popular articles: their settings in one click, torch's defaults
against tuned learning rates, and seed noise.

Heavy jobs (several seeds × five optimizers, or a learning-rate grid) are jobs shared by every session
(:mod:`ui.jobs`): a class that presses the same button with the same settings runs them once, each session
showing their progress or place in the queue; Cancel (any rerun) stops waiting, and a job nobody waits for
stops at its next progress report.
"""
from __future__ import annotations

from typing import Callable, Hashable

import numpy as np
import pandas as pd
import streamlit as st

from mnist import compare, presets, train
from mnist.train import TrainConfig
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


def run_shared(kind: str, key: Hashable, job: Callable[[Callable[[float, str], None]], object], label: str):
    """``job(on_progress)``'s result, computed once for all sessions (:mod:`ui.jobs`), with a Cancel button
    while this session waits (pressing it reruns the page, which stops waiting)."""
    cancel = st.empty()
    if not jobs.has_result(kind, key):
        cancel.button("Cancel", key=f"{kind}_cancel", help="Stops the computation (the page reruns).")
    result = jobs.shared_result(kind, key, lambda report, cancelled: job(lambda fraction, text: report(fraction)),
                                label, keep=COMPARISONS_KEPT)
    cancel.empty()
    return result


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
    return train.make_config(presets.preset_runs(preset), config.hidden, presets.KERAS_BATCH_SIZE,
                             presets.KERAS_EPOCHS, config.seed, config.train_subset, 1, model_name=config.model)


def _articles_section(config: TrainConfig, n_seeds: int, prepared: train.Prepared) -> None:
    keras = _preset_config("keras", config)
    key = ("keras", keras, n_seeds)
    if not (st.button("As the articles did", key="mnist_articles", type="primary",
                      help="Keras' default hyperparameters (SGD 0.01, Adagrad 0.001, Adadelta 0.001 with ρ 0.95, "
                           "RMSprop 0.001 with ρ 0.9, ε 1e-7), 5 epochs, batch 128.")
            or jobs.has_result("mnist_articles", key)):
        return
    study, _ = run_shared("mnist_articles", key, lambda report: compare.run_seeds(keras, prepared, n_seeds, report),
                          "Training as the articles did:")
    show_table(seed_table(study, keras.names))
    follows = presets.follows_article_order(dict(zip(keras.names, study.mean)))
    st.markdown(f"With Keras' defaults on this {config.model.upper()}, over seed"
                f"{'s' if n_seeds > 1 else ''} {', '.join(map(str, study.seeds))}: the articles' order "
                f"(Adam and RMSprop, then SGD, Adagrad, Adadelta last) is "
                f"**{'reproduced' if follows else 'not reproduced'}**.")
    show_noise(study)


def _tuned_section(config: TrainConfig, n_seeds: int, prepared: train.Prepared) -> None:
    torch_config = _preset_config("torch", config)
    key = ("tuned", torch_config, n_seeds)
    grid = ", ".join(f"{lr:g}" for lr in compare.TUNING_GRID)
    if not (st.button("torch's defaults and tuned rates", key="mnist_tuned",
                      help=f"The same optimizers at torch's defaults, then each at learning rates {grid}.")
            or jobs.has_result("mnist_tuned", key)):
        return

    def job(report: Callable[[float, str], None]):
        study, _ = compare.run_seeds(torch_config, prepared, n_seeds, lambda f, t: report(f / 2, t))
        tuning = compare.tune(torch_config, prepared, torch_config.names,
                              on_progress=lambda f, t: report(0.5 + f / 2, f"grid: {t}"))
        return study, tuning

    study, tuning = run_shared("mnist_tuned", key, job, "Training at torch's defaults and tuned rates:")
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
