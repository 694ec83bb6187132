"""Every optimizer has its own colour, and repeated optimizers in one comparison get distinct ones."""
from optimizers.registry import OPTIMIZERS
from viz.theme import OPTIMIZER_COLORS, run_colors


def test_every_optimizer_has_a_distinct_colour():
    assert set(OPTIMIZER_COLORS) == set(OPTIMIZERS)
    assert len(set(OPTIMIZER_COLORS.values())) == len(OPTIMIZER_COLORS)


def test_a_repeated_optimizer_gets_a_new_colour():
    first, second, third = run_colors(["adam", "adam", "gd"])
    assert first == OPTIMIZER_COLORS["adam"] and third == OPTIMIZER_COLORS["gd"]
    assert second not in (first, third)
