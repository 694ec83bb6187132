"""Every surface's analytic gradient against central finite differences, and the registry's facts."""
import numpy as np
import pytest

from landscapes.registry import SURFACES, get_surface
from validation import ValidationError

N_POINTS = 60
FD_STEP = 1e-6  # central differences: truncation O(h²) and rounding O(ε/h) balance near 1e-5…1e-6
FD_RTOL = 1e-5


def _finite_difference(surface, x, y, c):
    gx = (surface.value(x + FD_STEP, y, c) - surface.value(x - FD_STEP, y, c)) / (2 * FD_STEP)
    gy = (surface.value(x, y + FD_STEP, c) - surface.value(x, y - FD_STEP, c)) / (2 * FD_STEP)
    return np.array([gx, gy])


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_gradient_matches_finite_differences(name):
    surface = SURFACES[name]
    c = surface.param_vector()
    rng = np.random.default_rng(7)
    (x0, x1), (y0, y1) = surface.domain
    for x, y in zip(rng.uniform(x0, x1, N_POINTS), rng.uniform(y0, y1, N_POINTS)):
        analytic = np.array(surface.gradient(x, y, c))
        numeric = _finite_difference(surface, x, y, c)
        scale = max(1.0, abs(surface.value(x, y, c)), np.abs(analytic).max())
        np.testing.assert_allclose(analytic, numeric, rtol=FD_RTOL, atol=FD_RTOL * scale,
                                   err_msg=f"{name} at ({x}, {y})")


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_minima_are_stationary_and_have_the_stated_value(name):
    surface = SURFACES[name]
    for x, y in surface.minima:
        assert np.hypot(*surface.gradient(x, y)) < 1e-2 * max(1.0, abs(surface.min_value))
        assert surface.value(x, y) == pytest.approx(surface.min_value, abs=1e-4)
    for x, y in surface.saddles + surface.local_minima:
        assert np.hypot(*surface.gradient(x, y)) < 1e-2 * max(1.0, abs(surface.value(x, y)))


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_default_start_lies_in_domain_and_every_surface_teaches_something(name):
    surface = SURFACES[name]
    (x0, x1), (y0, y1) = surface.domain
    assert x0 <= surface.default_start[0] <= x1 and y0 <= surface.default_start[1] <= y1
    assert surface.lesson.endswith(".") and surface.latex.startswith("f(x, y)")


def test_required_formulas_are_exact():
    """Spot values of the ten surfaces the product promises, written as in the spec."""
    x, y = 0.7, -1.3
    expected = {
        "bowl": x**2 + y**2,
        "ravine": 0.5 * x**2 + 10 * y**2,
        "rosenbrock": (1 - x)**2 + 100 * (y - x**2)**2,
        "saddle": x**2 - y**2,
        "monkey_saddle": x**3 - 3 * x * y**2,
        "himmelblau": (x**2 + y - 11)**2 + (x + y**2 - 7)**2,
        "beale": (1.5 - x + x * y)**2 + (2.25 - x + x * y**2)**2 + (2.625 - x + x * y**3)**2,
        "rastrigin": 20 + x**2 + y**2 - 10 * np.cos(2 * np.pi * x) - 10 * np.cos(2 * np.pi * y),
        "six_hump_camel": (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2,
        "styblinski_tang": 0.5 * (x**4 - 16 * x**2 + 5 * x + y**4 - 16 * y**2 + 5 * y),
    }
    for name, value in expected.items():
        assert get_surface(name).value(x, y) == pytest.approx(value, rel=1e-13), name


def test_unknown_surface_lists_the_valid_names():
    with pytest.raises(ValidationError, match="unknown surface 'nope'; valid: ackley, beale"):
        get_surface("nope")


def test_surface_parameters_are_validated():
    quadratic = get_surface("quadratic")
    assert quadratic.param_vector({"condition": 50})[0] == 50
    with pytest.raises(ValidationError, match=r"condition must be in \[1, 10000\]"):
        quadratic.param_vector({"condition": 0.5})
    with pytest.raises(ValidationError, match="no parameter"):
        quadratic.param_vector({"kappa": 2})
