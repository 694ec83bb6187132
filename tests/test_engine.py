"""The trajectory engine: batching, divergence as a result, noise, recorded state, and any-length rules."""
import numpy as np
import pytest

from optimizers import rules
from simulation import engine
from optimizers.registry import OPTIMIZERS, get_optimizer
from simulation.settings import DIVERGENCE_BOUND, make_settings
from validation import ValidationError


def _run(surface="rosenbrock", runs=(("adam", {}),), **kwargs):
    return engine.run(make_settings(surface, list(runs), **kwargs), record_state=True)


def test_a_batch_equals_its_runs_one_by_one():
    runs = [(name, {}) for name in OPTIMIZERS]
    batch = _run(runs=runs, steps=150)
    for k, run in enumerate(runs):
        single = _run(runs=[run], steps=150)
        np.testing.assert_array_equal(batch.positions[k], single.positions[0])
        np.testing.assert_array_equal(batch.losses[k], single.losses[0])


def test_rows_are_the_start_then_one_per_update():
    result = _run("bowl", [("gd", {"lr": 0.1})], steps=3, start="1,2")
    expected = [(1.0, 2.0)]
    for _ in range(3):
        x, y = expected[-1]
        expected.append((x - 0.1 * 2 * x, y - 0.1 * 2 * y))
    np.testing.assert_allclose(result.positions[0], expected, rtol=1e-15)
    np.testing.assert_allclose(result.losses[0], [x * x + y * y for x, y in expected], rtol=1e-15)
    np.testing.assert_allclose(result.updates[0], np.diff(expected, axis=0), rtol=1e-12)
    np.testing.assert_allclose(result.grads[0], [(2 * x, 2 * y) for x, y in expected[:-1]], rtol=1e-15)
    assert result.diverged_at == (None,)


def test_divergence_keeps_the_finite_prefix_and_reports_the_step():
    result = _run("rosenbrock", [("gd", {"lr": 10.0}), ("adam", {})], steps=50)
    step = result.diverged_at[0]
    assert step is not None and 1 <= step <= 50
    assert np.isfinite(result.positions[0, :step]).all()
    assert np.isnan(result.positions[0, step:]).all() and np.isnan(result.losses[0, step:]).all()
    assert result.n_points(0) == step
    assert result.diverged_at[1] is None and np.isfinite(result.positions[1]).all()


def test_leaving_the_bound_counts_as_divergence():
    # the saddle's y grows by (1 + 2·lr) per step: finite for long, but far outside any meaningful region
    result = _run("saddle", [("gd", {"lr": 0.5})], steps=400, start="0,1")
    step = result.diverged_at[0]
    assert step == int(np.ceil(np.log(DIVERGENCE_BOUND) / np.log(2.0)))


def test_noise_is_reproducible_shared_and_seeded():
    runs = [("gd", {"lr": 0.05}), ("gd", {"lr": 0.05})]
    a = _run("bowl", runs, steps=20, noise=0.5, seed=3)
    b = _run("bowl", runs, steps=20, noise=0.5, seed=3)
    c = _run("bowl", runs, steps=20, noise=0.5, seed=4)
    np.testing.assert_array_equal(a.positions, b.positions)
    np.testing.assert_array_equal(a.positions[0], a.positions[1])  # same draws for every run: fair
    assert not np.array_equal(a.positions, c.positions)
    clean = _run("bowl", runs[:1], steps=20)
    assert not np.array_equal(a.positions[0], clean.positions[0])


def test_recorded_state_is_the_momentum_buffer():
    result = _run("bowl", [("momentum", {"lr": 0.01, "momentum": 0.9})], steps=5)
    velocity = result.states[0, :, 0, :]
    np.testing.assert_array_equal(velocity[0], [0.0, 0.0])
    np.testing.assert_allclose(result.updates[0], -0.01 * velocity[1:], rtol=1e-12)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_rule_moves_a_long_vector_coordinatewise(name, dtype):
    """The same rule moves a 2D point and a long vector: coordinate i of a long run equals a 1-vector run."""
    spec = get_optimizer(name)
    hp = spec.hyperparameter_vector(spec.validate({"lr": 0.01}))
    rng = np.random.default_rng(0)
    p = rng.standard_normal(1000).astype(dtype)
    single = p[:1].copy()
    state, scalars = rules.new_state(p)
    state1, scalars1 = rules.new_state(single)
    for t in range(1, 30):
        rules.apply_update(spec.oid, p, (2 * p).astype(dtype), state, scalars, hp, t)
        rules.apply_update(spec.oid, single, (2 * single).astype(dtype), state1, scalars1, hp, t)
    assert p.dtype == dtype and np.isfinite(p).all()
    assert p[0] == single[0]


def test_lion_moves_every_coordinate_by_exactly_lr():
    result = _run("ravine", [("lion", {"lr": 0.01})], steps=10)
    np.testing.assert_allclose(np.abs(result.updates[0]), 0.01, rtol=1e-12)


@pytest.mark.parametrize("bad, message", [
    ({"steps": 0}, "steps"), ({"steps": "1.5"}, "steps"), ({"start": "1,nan"}, "start y"),
    ({"start": "1,2,3"}, "start"), ({"noise": -1}, "noise"), ({"seed": -1}, "seed"),
])
def test_bad_settings_raise_one_line_errors(bad, message):
    with pytest.raises(ValidationError, match=message) as info:
        make_settings("bowl", [("adam", {})], **bad)
    assert "\n" not in str(info.value)


def test_every_hyperparameter_range_is_enforced():
    for spec in OPTIMIZERS.values():
        for h in spec.hyperparameters:
            below = h.allowed.low - (0 if not h.allowed.low_inclusive else 1)
            with pytest.raises(ValidationError, match=h.name):
                spec.validate({h.name: below})
            for bad in ("nan", "inf", "-inf", "abc"):
                with pytest.raises(ValidationError, match=h.name):
                    spec.validate({h.name: bad})
