"""Learning-rate schedules match torch.optim.lr_scheduler and drive the engine's learning rate."""
import json
from pathlib import Path

import numpy as np
import pytest

from simulation import engine
from optimizers.schedules import SCHEDULES, get_schedule, lr_curve
from simulation.settings import make_run, make_settings
from validation import ValidationError

GOLDEN = json.loads((Path(__file__).parent / "golden" / "schedules.json").read_text())


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: c["schedule"])
def test_curves_match_torch(case):
    values = get_schedule(case["schedule"]).validate(case["params"])
    ours = lr_curve(case["schedule"], values, case["base_lr"], len(case["lr"]))
    np.testing.assert_allclose(ours, case["lr"], rtol=1e-12, atol=1e-15)


def test_the_engine_uses_the_scheduled_rate_for_each_update():
    run = make_run("gd", {"lr": 0.1}, "step", {"step_size": 2, "gamma": 0.5})
    result = engine.run(make_settings("bowl", [run], steps=4, start="1,1"))
    factors = [1 - 2 * lr for lr in (0.1, 0.1, 0.05, 0.05)]
    np.testing.assert_allclose(result.positions[0, :, 0], np.cumprod([1.0] + factors), rtol=1e-15)
    assert "step schedule" in run.label


def test_constant_schedule_changes_nothing():
    plain = engine.run(make_settings("rosenbrock", [("adam", {})], steps=100))
    scheduled = engine.run(make_settings("rosenbrock", [make_run("adam", {}, "constant")], steps=100))
    np.testing.assert_array_equal(plain.positions, scheduled.positions)


def test_schedule_parameters_are_validated():
    assert set(SCHEDULES) == {"constant", "step", "exponential", "cosine", "warmup_cosine", "inverse_time"}
    with pytest.raises(ValidationError, match="unknown schedule"):
        make_run("gd", {}, "linear")
    with pytest.raises(ValidationError, match=r"gamma must be in \(0, 1\]"):
        make_run("gd", {}, "exponential", {"gamma": 1.5})
    with pytest.raises(ValidationError, match="has no parameter 'gama'"):
        make_run("gd", {}, "exponential", {"gama": 0.5})
