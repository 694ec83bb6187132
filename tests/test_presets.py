"""Every story's sentences are what its own runs do: each claim runs the preset's exact values."""
from __future__ import annotations

from dataclasses import replace

import pytest

from simulation import evidence
from ui.presets import PRESETS

CLAIMS = [(key, claim) for key, preset in PRESETS.items() for claim in preset.claims]


def test_every_story_carries_claims():
    assert not [key for key, preset in PRESETS.items() if not preset.claims]


@pytest.mark.parametrize("key, claim", CLAIMS, ids=[f"{k}:{c.check}" for k, c in CLAIMS])
def test_what_a_story_says_is_what_its_runs_do(key: str, claim):
    preset = PRESETS[key]
    assert claim.says in preset.story, f"{key}: the claim backs no words of its story"
    chosen = dict(preset.runs)
    assert all(dict(values) == chosen[name] for name, values in claim.runs), "a claim runs the story's values"
    assert (claim.steps, claim.start, dict(claim.surface_params)) == \
        (preset.steps, preset.start, preset.surface_params)
    assert evidence.holds(claim), f"{key}: “{claim.says}” is not what the run shows"


def test_noise_that_shakes_a_run_out_of_its_dimple_fails_the_check():
    """The noise check can fail: at σ = 50 momentum wanders off the story's dimple."""
    rastrigin = PRESETS["rastrigin"]
    noisy = next(c for c in rastrigin.claims if c.check == "stays_put_under_noise")
    assert not evidence.holds(replace(noisy, noise=50.0))
