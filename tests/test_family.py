"""The family of a dragged control: every option's run, bit-for-bit the engine's, and a bounded payload."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from landscapes.registry import get_surface
from optimizers.registry import get_optimizer
from simulation.engine import run
from simulation.family import (
    compute_family, coordinate_window, decode_rows, encode_family, payload_bytes, quantisation_step, with_value)
from simulation.settings import make_settings
from validation import ValidationError
from viz.paths import thinned_indices

MAX_PAYLOAD_BYTES = 1_500_000
# A quantised coordinate is within this fraction of the map's width of the true one: a fraction of a pixel.
COORDINATE_TOLERANCE = 1e-4


def _settings(optimizers=("gd", "momentum", "adam"), steps=150, noise=0.0):
    return make_settings("ravine", [(name, {}) for name in optimizers], steps, noise=noise, seed=3)


@pytest.mark.parametrize("hp_name, runs, noise", [("lr", (0, 2), 0.0), ("momentum", (1,), 0.5)])
def test_every_option_of_the_family_is_the_engines_run_bit_for_bit(hp_name, runs, noise):
    settings = _settings(noise=noise)
    family = compute_family(settings, runs, hp_name)
    assert family.options == get_optimizer(settings.runs[runs[0]].optimizer).hyperparameter(hp_name).options
    for r, k in enumerate(runs):
        for o, value in enumerate(family.options):
            alone = run(replace(settings, runs=(with_value(settings.runs[k], hp_name, value),)))
            np.testing.assert_array_equal(family.positions[r, o], alone.positions[0])
            np.testing.assert_array_equal(family.losses[r, o], alone.losses[0])
            assert (family.diverged_at[r, o] if family.diverged_at[r, o] >= 0 else None) == alone.diverged_at[0]
    if hp_name == "lr":
        assert (family.diverged_at >= 0).any(), "the largest learning rates diverge on the ravine"


def test_a_run_without_the_hyperparameter_is_an_error():
    with pytest.raises(ValidationError):
        compute_family(_settings(), (0,), "momentum")  # plain gradient descent has no momentum


def _encoded(settings, runs, hp_name="lr"):
    family = compute_family(settings, runs, hp_name)
    surface = get_surface(settings.surface)
    min_value = surface.min_value
    gaps = np.maximum(family.losses - min_value, 1e-16)
    return family, encode_family(family, *surface.domain, gaps, loss_log=True, thinned=thinned_indices)


def test_four_optimizers_sharing_one_control_for_500_steps_fit_the_payload_bound():
    settings = _settings(("gd", "momentum", "adam", "rmsprop"), steps=500)
    family, encoded = _encoded(settings, (0, 1, 2, 3))
    assert payload_bytes(encoded) <= MAX_PAYLOAD_BYTES
    width = get_surface(settings.surface).domain[0][1] - get_surface(settings.surface).domain[0][0]
    assert quantisation_step(encoded, "x") <= COORDINATE_TOLERANCE * width


def test_the_decoded_family_is_the_family_up_to_where_each_run_died():
    settings = _settings()
    family, encoded = _encoded(settings, (0, 2))
    xs = decode_rows(encoded, "x")
    step = quantisation_step(encoded, "x")
    x_low, x_high = coordinate_window(get_surface(settings.surface).domain[0])
    for r in range(2):
        for o in range(len(family.options)):
            ending = family.ending(r, o)
            n = settings.steps + 1 if not ending.died else ending.step + (ending.kind == "exploded")
            assert len(xs[r][o]) == n
            true = family.positions[r, o, :n, 0]
            on_map = (true >= x_low) & (true <= x_high)
            np.testing.assert_allclose(xs[r][o][on_map], true[on_map], atol=step * 1.01, rtol=0)
