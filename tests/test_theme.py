"""Every optimizer has its own colour, and repeated optimizers in one comparison get distinct ones."""
import pytest

from optimizers.registry import OPTIMIZERS
from validation import ValidationError
from viz.theme import run_colors


def test_every_optimizer_has_a_distinct_colour():
    colors = [optimizer.color for optimizer in OPTIMIZERS.values()]
    assert len(set(colors)) == len(colors)


def test_a_repeated_optimizer_gets_a_new_colour():
    first, second, third = run_colors(["adam", "adam", "gd"])
    assert first == OPTIMIZERS["adam"].color and third == OPTIMIZERS["gd"].color
    assert second not in (first, third)


def test_an_unknown_optimizer_has_no_colour():
    with pytest.raises(ValidationError, match="unknown optimizer"):
        run_colors(["gd", "sgdw"])
