"""Settings that reproduce what the popular optimizer articles did, and the numbers they published.

Their MNIST table came from Keras with every optimizer at Keras' default hyperparameters. Written in torch's
terms (our "gd" is their plain mini-batch SGD); Keras' ε is 1e-7 where torch's is 1e-8 (1e-6 for AdaDelta):

    SGD lr 0.01 · Adagrad lr 0.001 · Adadelta lr 0.001, ρ 0.95 · RMSprop lr 0.001, ρ 0.9 · Adam lr 0.001
    5 epochs, batch 128

Keras' Adagrad also starts its sum of squared gradients at 0.1 instead of torch's 0; the rule here starts at 0
as torch does, which makes its first steps larger, not smaller. torch's defaults differ where it matters most:
SGD 0.001, Adagrad 0.01, Adadelta 1.0 — a thousand times Keras' rate.
"""
from __future__ import annotations

from mnist import train_config
from simulation.settings import OptimizerRun, make_run

KERAS_EPSILON = 1e-7
KERAS_HYPERPARAMETERS: dict[str, dict[str, float]] = {
    "rmsprop": {"lr": 0.001, "rho": 0.9, "eps": KERAS_EPSILON},
    "adam": {"lr": 0.001, "eps": KERAS_EPSILON},
    "gd": {"lr": 0.01},
    "adagrad": {"lr": 0.001, "eps": KERAS_EPSILON},
    "adadelta": {"lr": 0.001, "rho": 0.95, "eps": KERAS_EPSILON},
}
KERAS_EPOCHS = 5
KERAS_BATCH_SIZE = 128
# The articles' order: Adam and RMSprop ahead, then SGD, Adagrad, Adadelta last.
ARTICLE_ORDER = (("adam", "rmsprop"), ("gd",), ("adagrad",), ("adadelta",))
# What an introductory article reported for a small CNN on MNIST (5 epochs, batch 128), validation accuracy
# in %; another found Adam best and Adadelta worst without giving numbers.
ARTICLE_ACCURACY = {"adam": 98.97, "rmsprop": 98.95, "gd": 96.50, "adagrad": 89.28}
PRESETS = ("keras", "torch")


def preset_runs(preset: str) -> list[OptimizerRun]:
    """The articles' optimizers at Keras' defaults (``keras``) or at torch.optim's defaults (``torch``)."""
    if preset == "keras":
        return [train_config.mnist_run(name, hp) for name, hp in KERAS_HYPERPARAMETERS.items()]
    if preset == "torch":
        return [make_run(name) for name in KERAS_HYPERPARAMETERS]  # the registry holds torch's defaults
    raise ValueError(f"unknown preset {preset!r}")  # callers validate names first (validation.lookup)


def follows_article_order(accuracy: dict[str, float]) -> bool:
    """True when every group of ARTICLE_ORDER beats every later group (ties within a group do not matter)."""
    groups = [[accuracy[name] for name in group] for group in ARTICLE_ORDER]
    return all(min(better) > max(worse) for better, worse in zip(groups, groups[1:]))
