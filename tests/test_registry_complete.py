"""Every registry entry carries every fact the product reads, and an unknown id is an error, not a default.

Adding an optimizer is ``optimizers/rules.py`` + ``optimizers/registry.py`` + its golden file; adding a surface
is ``landscapes/surfaces.py`` + ``landscapes/registry.py`` + golden data.
These tests walk the registries and name the entry and the fact that is missing or wrong.
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from claims import Claim
from landscapes import surfaces
from landscapes.registry import SURFACES
from optimizers import rules
from optimizers.registry import OPTIMIZERS, shared_hyperparameter
from optimizers.schedules import MAX_SCHEDULE_PARAMS, SCHEDULES, scheduled_lr
from optimizers.spec import LINE_DASHES, STEP_KINDS
from simulation import diagnostics, engine, evidence
from simulation.settings import make_settings
from validation import ValidationError

GOLDEN = Path(__file__).resolve().parent / "golden"
HEX_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")
UNKNOWN_ID = 999


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_optimizer_entry_is_complete(name: str):
    spec = OPTIMIZERS[name]
    assert spec.title and spec.latex and spec.fixes and spec.costs, f"{name}: title, update rule or notes"
    assert HEX_COLOR.fullmatch(spec.color), f"{name}: colour {spec.color!r} is not #rrggbb"
    assert spec.dash in LINE_DASHES and spec.step_kind in STEP_KINDS, f"{name}: dash or step kind"
    assert len(spec.state_slots) <= rules.MAX_STATE_SLOTS, f"{name}: more state slots than the rules carry"
    assert len({s.name for s in spec.state_slots}) == len(spec.state_slots), f"{name}: state slot names repeat"
    for hp in spec.hyperparameters:
        assert hp.label and hp.help, f"{name}.{hp.name}: label or help"
        assert hp.allowed.contains(hp.default), f"{name}.{hp.name}: default outside its range"
        assert all(hp.allowed.contains(o) for o in hp.options), f"{name}.{hp.name}: an option outside the range"
        shared = shared_hyperparameter(hp.name)
        assert (hp.label, hp.options, hp.log_scale) == (shared.label, shared.options, shared.log_scale), (
            f"{name}.{hp.name}: label, options or scale differ from other optimizers' {hp.name}")
    assert (GOLDEN / f"{name}.npz").exists(), f"{name}: no golden file (scripts/generate_golden.py)"


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_optimizer_kernel_and_diagnostics_know_it(name: str):
    """Its id reaches its own kernel (a finite step, not the unknown-id NaN) and its step kind is computed."""
    settings = make_settings("bowl", [(name, {})], steps=5)
    result = engine.run(settings, record_state=True)
    assert result.diverged_at[0] is None, f"{name}: its id does not reach a kernel"
    sizes = diagnostics.effective_step_sizes(result, 0)
    assert (sizes is None) == (not OPTIMIZERS[name].adaptive), f"{name}: effective step kind"
    assert sizes is None or np.all(np.isfinite(sizes)), f"{name}: effective step sizes not finite"


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_its_kernel_writes_exactly_its_named_state_slots(name: str):
    """The registry's slots are the state rows the kernel keeps (momentum on, where it has one, so that every
    buffer is in use): each named row is written, no other row is."""
    spec = OPTIMIZERS[name]
    values = {"momentum": 0.5} if "momentum" in spec.defaults else {}
    result = engine.run(make_settings("bowl", [(name, values)], steps=3), record_state=True)
    written = [bool(np.any(row != 0)) for row in result.states[0][-1]]
    assert written == [i < len(spec.state_slots) for i in range(len(written))], f"{name}: rows written {written}"


def test_an_unknown_optimizer_id_takes_no_step():
    p = np.ones(2)
    state, scalars = rules.new_state(p)
    rules.apply_update(UNKNOWN_ID, p, np.ones(2), state, scalars, np.zeros(rules.N_HYPERPARAMS), 1)
    assert np.all(np.isnan(p))


def test_an_unknown_schedule_kind_has_no_learning_rate():
    assert np.isnan(scheduled_lr(UNKNOWN_ID, np.zeros(MAX_SCHEDULE_PARAMS), 0.1, 1))
    for spec in SCHEDULES.values():
        assert len({p.index for p in spec.params}) == len(spec.params), f"schedule {spec.name}: indices repeat"


def test_an_entry_with_an_unknown_choice_is_refused_when_it_is_built():
    with pytest.raises(ValidationError, match="surface learning rate of gd"):
        dataclasses.replace(OPTIMIZERS["gd"], surface_lr="fast")
    with pytest.raises(ValidationError, match="step kind of adam"):
        dataclasses.replace(OPTIMIZERS["adam"], step_kind="adamish")
    gamma = SCHEDULES["exponential"].params[0]
    with pytest.raises(ValidationError, match="scaling of the schedule parameter gamma"):
        dataclasses.replace(gamma, scaling="per_epoch")


def test_an_unknown_surface_id_has_no_value():
    assert np.isnan(surfaces.value(UNKNOWN_ID, 0.0, 0.0, np.zeros(1)))


@pytest.mark.parametrize("name", list(SURFACES))
def test_surface_entry_is_complete(name: str):
    spec = SURFACES[name]
    assert spec.title and spec.latex and spec.lesson, f"{name}: title, formula or lesson"
    (x0, x1), (y0, y1) = spec.domain
    assert x0 < x1 and y0 < y1, f"{name}: domain"
    assert np.isfinite(spec.value(*spec.default_start)), f"{name}: no finite value at the default start"
    for point in spec.minima:
        assert spec.min_value is not None, f"{name}: minima without min_value"
        # minima are written to four decimals or more: f and its gradient there are exact to about 1e-7, 1e-3
        assert spec.value(*point) == pytest.approx(spec.min_value, abs=1e-6), f"{name}: f at {point}"
        assert np.allclose(spec.gradient(*point), 0.0, atol=5e-3), f"{name}: gradient at minimum {point}"
    for param in spec.params:
        assert param.label and param.help, f"{name}.{param.name}: label or help"
        assert param.allowed.contains(param.default), f"{name}.{param.name}: default outside its range"
        assert all(param.allowed.contains(o) for o in param.options), f"{name}.{param.name}: options"


def finite_difference_hessian(spec, point: np.ndarray, step: float = 1e-4) -> np.ndarray:
    """The Hessian of the kernel's own gradient at ``point``, by central differences."""
    c = spec.param_vector()
    columns = [(np.array(spec.gradient(*(point + step * unit), c)) - np.array(spec.gradient(*(point - step * unit), c)))
               / (2 * step) for unit in np.eye(2)]
    return np.column_stack(columns)


@pytest.mark.parametrize("name", list(SURFACES))
def test_a_surface_states_its_hessian_exactly_when_it_is_constant(name: str):
    """The eigenvalues the stability theory uses are those of the kernel's own gradient, and every surface whose
    Hessian is the same positive definite matrix everywhere (a convex quadratic) states them."""
    spec = SURFACES[name]
    (x0, x1), (y0, y1) = spec.domain
    points = [np.array(spec.default_start), np.array([(x0 + x1) / 2, (y0 + y1) / 2]),
              np.array([x0 + 0.3 * (x1 - x0), y0 + 0.8 * (y1 - y0)])]
    hessians = [finite_difference_hessian(spec, point) for point in points]
    expected = np.sort(np.linalg.eigvalsh(hessians[0]))
    convex_quadratic = expected[0] > 0 and all(np.allclose(h, hessians[0], rtol=1e-5, atol=1e-6) for h in hessians)
    if not convex_quadratic:
        assert spec.hessian is None, f"{name}: states a Hessian, but the kernel's is not constant and positive"
        return
    assert spec.hessian is not None, f"{name}: its Hessian is constant and positive, but the entry does not state it"
    assert np.allclose(spec.hessian_eigenvalues(), expected, rtol=1e-5), name


CLAIMS = [(name, claim) for name, spec in OPTIMIZERS.items() for claim in spec.claims]


@pytest.mark.parametrize("name, claim", CLAIMS, ids=[f"{n}:{c.check}" for n, c in CLAIMS])
def test_what_an_optimizer_text_says_is_what_it_does(name: str, claim):
    spec = OPTIMIZERS[name]
    assert claim.says in f"{spec.fixes} {spec.costs}", f"{name}: the claim backs no words of its text"
    assert evidence.holds(claim), f"{name}: “{claim.says}” is not what the run shows"


def test_an_unknown_claim_check_is_an_error():
    with pytest.raises(ValidationError, match="unknown claim check"):
        evidence.holds(Claim("it flies", "flies", "bowl", (("gd", ()),), 5))


LESSON_CLAIMS = [(name, claim) for name, spec in SURFACES.items() for claim in spec.claims]


def test_every_surface_lesson_carries_a_claim():
    assert not [name for name, spec in SURFACES.items() if not spec.claims]


@pytest.mark.parametrize("name, claim", LESSON_CLAIMS, ids=[f"{n}:{c.check}" for n, c in LESSON_CLAIMS])
def test_what_a_surface_lesson_says_is_what_the_runs_do(name: str, claim):
    assert claim.says in SURFACES[name].lesson, f"{name}: the claim backs no words of its lesson"
    assert evidence.holds(claim), f"{name}: “{claim.says}” is not what the run shows"


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedule_entry_speaks_student(name: str):
    spec = SCHEDULES[name]
    assert spec.title and spec.explanation and spec.torch_equivalent, f"schedule {name}: title or explanation"
    for param in spec.params:
        assert param.label and param.help, f"schedule {name}.{param.name}: label or help"
        assert param.allowed.contains(param.default), f"schedule {name}.{param.name}: default outside its range"
