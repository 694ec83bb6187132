"""What the playground says under its charts is true for the runs it drew (AppTest): the caption of a user's
formula, and the message of each run that did not simply run."""
from __future__ import annotations

from test_app import _numbers_rows, _run


def _captions(at) -> list[str]:
    return [c.value for c in at.caption]


def test_a_bowl_of_the_users_own_is_described_by_its_lowest_point():
    at = _run({"surface": "expr:x**2+y**2-5", "optimizers": "gd", "steps": "50"})
    captions = _captions(at)
    assert not any("no lowest point" in c for c in captions), captions
    assert any("Its lowest value on the map is f = -5 at (0, 0)" in c for c in captions), captions


def test_a_built_in_surface_without_a_minimum_keeps_its_sentence():
    at = _run({"surface": "saddle", "optimizers": "gd"})
    assert any("no lowest point" in c for c in _captions(at))


def test_a_start_where_the_function_is_undefined_says_no_step_was_taken():
    at = _run({"surface": "expr:exp(exp(exp(x)))+y**2", "optimizers": "gd"})
    messages = [w.value for w in at.warning]
    assert len(messages) == 1 and "took no step" in messages[0] and "diverged" not in messages[0], messages
    assert "undefined at the start" in _numbers_rows(at)[0]


def test_leaving_the_domain_of_log_names_the_cause():
    at = _run({"surface": "expr:log(x)+y**2", "optimizers": "gd,adam", "steps": "400"})
    messages = [w.value for w in at.warning]
    assert messages and all("no finite value" in m and "diverged" not in m for m in messages), messages


def test_an_exploded_run_gets_a_warning_and_its_row_says_so():
    at = _run({"surface": "ravine", "optimizers": "gd", "gd.lr": "0.2"})
    messages = [w.value for w in at.warning]
    assert len(messages) == 1 and "gd (lr=0.2) exploded at step" in messages[0], messages
    assert "exploded at step" in _numbers_rows(at)[0]
