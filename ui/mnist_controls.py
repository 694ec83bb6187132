"""The MNIST page's controls: the network, the optimizers with their hyperparameters and learning-rate schedules,
and the seeds, validated into the comparison to train. Every single-value setting is in the URL."""
from __future__ import annotations

import streamlit as st

from mnist import compare, networks
from mnist.train_config import (DEFAULT_BATCH_SIZE, DEFAULT_EPOCHS, DEFAULT_HIDDEN, MAX_EPOCHS, MAX_HIDDEN, MAX_SEED,
                                N_TRAIN_IMAGES, TrainConfig, batches_per_epoch, make_config, mnist_hyperparams,
                                mnist_run)
from optimizers.registry import OPTIMIZERS, get_optimizer
from ui.schedule_picker import schedule_picker
from validation import ValidationError

DEFAULT_OPTIMIZERS = ("adam", "gd", "momentum", "adagrad", "rmsprop")
SCHEDULE_KEY_PREFIX = "mnist_{optimizer}"  # of each optimizer's schedule picker: mnist_adam_schedule, …
# Every control keeps its value in the URL (?mnist_epochs=5&mnist_optimizers=adam&mnist_optimizers=gd), under
# its key; the learning-rate schedules are the exception.
QUERY = "query-params"


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
    try:
        runs = [mnist_run(*choice) for choice in choices]
        return make_config(runs, hidden, batch, epochs, seed, None if subset == N_TRAIN_IMAGES else subset,
                           model_name=model_name), n_seeds
    except ValidationError as error:
        st.error(str(error))
        return None, n_seeds
