"""A user's function is described by what it does on the map, never by assumption."""
import pytest

from landscapes.analysis import analyse, describe
from landscapes.registry import get_surface


def _describe(formula: str) -> str:
    return describe(get_surface(f"expr:{formula}"))


def test_a_bowl_has_its_lowest_point_inside_the_map():
    text = _describe("x**2+y**2-5")
    assert text == "Its lowest value on the map is f = -5 at (0, 0)."
    assert "no lowest point" not in text and "falls" not in text


def test_a_plane_keeps_falling_past_the_edge():
    facts = analyse(get_surface("expr:x+y"))
    assert facts.lowest.on_edge and facts.beyond.value < facts.lowest.value
    assert "keeps falling outside the map" in _describe("x+y")


@pytest.mark.parametrize("formula", ["log(x)+y**2", "sqrt(x)+y**2"])
def test_an_undefined_half_plane_is_reported_with_its_share(formula):
    facts = analyse(get_surface(f"expr:{formula}"))
    assert facts.undefined_share == pytest.approx(0.5, abs=0.01)
    text = _describe(formula)
    assert "no finite value on 50% of the map" in text and "towards that edge" in text


def test_a_function_with_no_finite_value_on_the_map_says_so():
    assert _describe("log(-1-x**2)") == "This function has no finite value anywhere on the map."
