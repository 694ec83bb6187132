"""The MNIST page's controls: the network, the optimizers with their hyperparameters and learning-rate schedules,
and the seeds, validated into the comparison to train. Everything is in the URL: each single-value setting as a
bound widget under its key, each optimizer's schedule as ``mnist_adam.schedule=cosine:T_max=150,eta_min=0``
(``ui.schedule_picker``'s link form, the playground's too), which this module reads (:func:`decode_url`) and
writes."""
from __future__ import annotations

import streamlit as st

from mnist import compare, networks
from mnist.train_config import (DEFAULT_BATCH_SIZE, DEFAULT_EPOCHS, DEFAULT_HIDDEN, MAX_EPOCHS, MAX_HIDDEN, MAX_SEED,
                                N_TRAIN_IMAGES, TrainConfig, batches_per_epoch, make_config, mnist_hyperparams,
                                mnist_run)
from optimizers.registry import OPTIMIZERS, get_optimizer
from ui import links
from ui.schedule_picker import decode_schedule, schedule_picker, schedule_url_value
from ui.url_codec import Decoder
from validation import ValidationError

DEFAULT_OPTIMIZERS = ("adam", "gd", "momentum", "adagrad", "rmsprop")
SCHEDULE_KEY_PREFIX = "mnist_{optimizer}"  # of each optimizer's schedule picker: mnist_adam_schedule, …
SCHEDULE_URL_NAME = SCHEDULE_KEY_PREFIX + ".schedule"  # a compound value: decoded and written here
SCHEDULE_URL_PREFIX, SCHEDULE_URL_SUFFIX = SCHEDULE_URL_NAME.split("{optimizer}")
URL_SEEN_KEY, URL_NOTES_KEY = "mnist_page._url_seen", "mnist_page._url_notes"  # see ui.links
# Every other control keeps its value in the URL (?mnist_epochs=5&mnist_optimizers=Adam&mnist_optimizers=GD)
# under its key, as a bound widget.
QUERY = "query-params"


def is_schedule_url_name(name: str) -> bool:
    """Whether URL parameter ``name`` is an optimizer's schedule (the parameters this page decodes itself)."""
    return name.startswith(SCHEDULE_URL_PREFIX) and name.endswith(SCHEDULE_URL_SUFFIX)


def decode_url(params: dict[str, str]) -> tuple[dict, list[str]]:
    """The schedule pickers' session values from the link's schedule parameters, and notes on what could not be
    used (an unknown optimizer, a bad schedule: it falls back to the constant rate)."""
    d = Decoder(params)
    for name in OPTIMIZERS:
        url_name = SCHEDULE_URL_NAME.format(optimizer=name)
        if url_name in d.params:
            decode_schedule(d, url_name, SCHEDULE_KEY_PREFIX.format(optimizer=name))
    return d.finish()


def _write_schedules(choices: list[tuple[str, dict[str, float], str, dict[str, float]]]) -> None:
    """Each chosen optimizer's schedule into the URL (the constant rate is left out)."""
    wanted = {}
    for name, _, schedule, schedule_params in choices:
        value = schedule_url_value(schedule, schedule_params)
        if value is not None:
            wanted[SCHEDULE_URL_NAME.format(optimizer=name)] = value
    links.update_url(wanted, URL_SEEN_KEY, owned=is_schedule_url_name)


def _hyperparameter_inputs(name: str) -> dict[str, float]:
    """One number input per hyperparameter of ``name``, starting from this model's defaults."""
    spec = get_optimizer(name)
    defaults = mnist_hyperparams(name)
    values = {}
    columns = st.columns(len(spec.hyperparameters))
    for column, hp in zip(columns, spec.hyperparameters):
        values[hp.name] = column.number_input(
            hp.name, value=float(defaults[hp.name]), format="%g", key=f"mnist_hp_{name}_{hp.name}", bind=QUERY,
            help=hp.help + (" (this page's default for MNIST)" if hp.name == "lr" else ""))
    return values


def _run_inputs(name: str, steps: int) -> tuple[str, dict[str, float], str, dict[str, float]]:
    """One optimizer's hyperparameters and learning-rate schedule, as entered (``mnist_run`` validates them)."""
    st.markdown(f"**{get_optimizer(name).title}**")
    hyperparams = _hyperparameter_inputs(name)
    schedule, schedule_params = schedule_picker(SCHEDULE_KEY_PREFIX.format(optimizer=name), steps)
    return name, hyperparams, schedule, schedule_params


def controls() -> tuple[TrainConfig | None, int]:
    """The comparison the user set up, validated (None, with a message, when something is invalid), and the
    number of seeds to run it with."""
    model_name = st.radio("Network", list(networks.MODELS), format_func=networks.DESCRIPTIONS.get,
                          key="mnist_model", bind=QUERY, horizontal=True,
                          help="The MLP trains in seconds and has a loss landscape below; the CNN is the kind of "
                               "network the popular articles used (about ten times slower).")
    names = st.multiselect("Optimizers", list(OPTIMIZERS), default=list(DEFAULT_OPTIMIZERS),
                           key="mnist_optimizers", bind=QUERY, format_func=lambda name: OPTIMIZERS[name].short_title,
                           help="Every optimizer starts from the same weights and sees the same mini-batches.")
    first, second, third, fourth = st.columns(4)
    hidden = first.number_input("Hidden units H", 1, MAX_HIDDEN, DEFAULT_HIDDEN, key="mnist_hidden",
                                bind=QUERY, disabled=model_name != "mlp", help="The MLP's only size setting.")
    batch = second.number_input("Batch size", 1, N_TRAIN_IMAGES, DEFAULT_BATCH_SIZE, key="mnist_batch", bind=QUERY,
                                help="1 = stochastic GD (one image per step); the whole training set = batch GD; "
                                     "anything between = mini-batch GD.")
    epochs = third.number_input("Epochs", 1, MAX_EPOCHS, DEFAULT_EPOCHS, key="mnist_epochs", bind=QUERY)
    subset = fourth.number_input("Training images", 1, N_TRAIN_IMAGES, N_TRAIN_IMAGES, key="mnist_train_subset",
                                 bind=QUERY, help="Train on a random subset for quicker runs (the test set is always "
                                                  "all 10,000 images).")
    left, right = st.columns(2)
    seed = left.number_input("Seed", 0, MAX_SEED, 0, key="mnist_seed", bind=QUERY,
                             help="Sets the initial weights and the mini-batch order.")
    n_seeds = right.number_input("Seeds to average", 1, compare.MAX_SEEDS, 1, key="mnist_seeds", bind=QUERY,
                                 help="Repeat with seeds seed, seed + 1, …: shows mean ± sd per optimizer and "
                                      "which gaps are within the noise.")
    steps = batches_per_epoch(subset, batch) * epochs
    with st.expander("Hyperparameters and learning-rate schedules (defaults chosen for this network)"):
        st.caption("Learning rates that train the MLP well in a few epochs: "
                   + ", ".join(f"{n} {OPTIMIZERS[n].mnist_lr:g}" for n in names)
                   + f". A schedule's parameters count optimizer steps; this run has {steps:,}.")
        choices = [_run_inputs(name, steps) for name in names]
    _write_schedules(choices)
    try:
        runs = [mnist_run(*choice) for choice in choices]
        return make_config(runs, hidden, batch, epochs, seed, None if subset == N_TRAIN_IMAGES else subset,
                           model_name=model_name), n_seeds
    except ValidationError as error:
        st.error(str(error))
        return None, n_seeds
