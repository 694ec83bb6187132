"""The stability map's computations: cached calls into the core, every input an argument.

A map and a tuning are jobs shared by every session that asks for the same inputs (:mod:`ui.jobs`: computed
once, each waiting session shown its progress or its place in the queue); the page only calls these.
"""
from __future__ import annotations

import math

import numpy as np
import streamlit as st

from simulation import tuning
from simulation.settings import CONVERGED_GAP, Settings
from simulation.sweep import SweepResult, sweep, sweep_axes
from ui import jobs

SECOND_RANGE = (0.0, 0.99)  # 1 would never forget a gradient (torch refuses it); 0.99 is the usual maximum
CACHE_ENTRIES = 16  # a lesson's worth of maps and tunings per server; a 150 × 150 map is about 0.5 MB


def cached_sweep(settings: Settings, lr_range: tuple[float, float], grid: int) -> SweepResult:
    """The map: ``grid`` log-spaced learning rates × ``grid`` values of the optimizer's second axis."""
    def work(report, cancelled) -> SweepResult:
        lrs = np.logspace(math.log10(lr_range[0]), math.log10(lr_range[1]), grid)
        seconds = np.linspace(*SECOND_RANGE, grid)
        return sweep(settings, lrs, sweep_axes(settings.runs[0].optimizer)[0], seconds)
    return jobs.shared_result("stability map", (settings, lr_range, grid), work, "Running every cell of the map …",
                              keep=CACHE_ENTRIES)


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def cached_best_cell(settings: Settings, lr_range: tuple[float, float], grid: int) -> tuple[int, int]:
    """(row, column) of the map's best cell on the tuning objective (a Python loop over cells: cache it)."""
    result = cached_sweep(settings, lr_range, grid)
    return tuning.best_cell(result, tuning.target_loss(settings, CONVERGED_GAP))


def cached_tuning(settings: Settings) -> tuple[tuning.TunedRun, ...]:
    """The tuned learning rates of every optimizer of ``settings``."""
    return jobs.shared_result("tuning", settings, lambda report, cancelled: tuning.tune(settings),
                              "Searching learning rates …", keep=CACHE_ENTRIES)
