"""What the playground says under its charts is true for the runs it drew (AppTest): the caption of a user's
formula, and the message of each run that did not simply run."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest

from simulation import engine
from simulation.settings import make_settings
from tests.app_run import _numbers_rows, _paths, _run, _shown
from ui import playground_url, stability_page, state
from ui.stability_controls import PageInputs
from ui.url_codec import literal
from viz.stability import Cell


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


def test_same_hyperparameters_for_all_gives_no_optimizer_a_value_it_does_not_have_by_default():
    at = _run({"optimizers": "momentum,rmsprop,lion,adam", "same": "1", "all.lr": "0.01"})
    labels = sorted(_paths(at))
    assert all("lr=0.01" in label for label in labels), labels
    rmsprop, lion = (next(label for label in labels if label.startswith(n)) for n in ("rmsprop", "lion"))
    assert "momentum" not in rmsprop and "beta2" not in lion, labels  # their own defaults: 0 and 0.99
    note = next(c.value for c in at.sidebar.caption if c.value.startswith("Not shared"))
    assert "RMSProp 0" in note and "Lion 0.99" in note and "Adam 0.999" in note, note
    at.run()  # the run that read the link leaves the address as it was; the next one writes it in full
    assert "rmsprop.momentum" in at.query_params and "all.momentum" not in at.query_params


def test_hyperparameters_whose_defaults_agree_stay_shared():
    at = _run({"optimizers": "adam,nadam", "same": "1", "all.beta1": "0.8"})
    assert sorted(_paths(at)) == ["adam (lr=0.1, beta1=0.8)", "nadam (lr=0.1, beta1=0.8)"]
    assert not [c for c in at.sidebar.caption if c.value.startswith("Not shared")]


def test_a_link_from_the_stability_map_opens_exactly_that_run():
    lr, mu = float(np.logspace(-3, 0, 100)[67]), float(np.linspace(0.0, 0.99, 100)[48])  # 0.107…, 0.48
    inputs = PageInputs("ravine", (), "momentum", (-5.0, 2.0), 120, 100, (1e-3, 1.0), "final_loss")
    at = _run(dict(parse_qsl(urlsplit(stability_page.playground_url(inputs, Cell(lr, mu))).query)))
    assert not at.info, [i.value for i in at.info]  # no value was moved to a slider option
    slider = at.sidebar.select_slider(key=state.hp_key("momentum", "lr"))
    assert slider.value == lr and _shown(slider) == format(lr, "g")  # the browser shows it as an option
    assert at.session_state[state.hp_key("momentum", "momentum")] == mu
    expected = engine.run(make_settings("ravine", [("momentum", {"lr": lr, "momentum": mu})], 120, "-5,2"))
    (drawn,) = _paths(at).values()
    np.testing.assert_allclose(drawn, expected.positions[0], rtol=1e-6)
    assert at.query_params["momentum.lr"] == repr(lr)  # and the playground's own link keeps it


def _outside_code(markdown: str) -> str:
    return re.sub(r"(`+).*?\1", "", markdown)


def test_link_notes_show_the_users_text_as_typed():
    at = _run({"surface": "expr:__import__('os')", "optimizers": "gd,*bold*", "x_y_": "1"})
    note = at.info[0].value
    assert "`surface=\"expr:__import__('os')\"`" in note  # a code span: shown exactly, not as Markdown
    assert "`'*bold*'`" in note and "`'x_y_'`" in note
    assert not re.search(r"(?<!\\)[*_]", _outside_code(note)), note  # no emphasis made of the user's text


@pytest.mark.parametrize("text", ["a`b", "`x", "``", "__init__", "$x$", ":smile:"])
def test_a_literal_holds_its_text_exactly(text):
    span = literal(text)
    fence = re.match("`+", span).group()
    inner = span[len(fence):-len(fence)]
    assert fence not in inner and (inner == text or inner == f" {text} ")


def test_a_link_cannot_share_a_hyperparameter_the_page_does_not_share():
    values, notes = playground_url.decode({"optimizers": "momentum,rmsprop", "same": "1", "all.momentum": "0.5",
                                           "all.lr": "0.01"})
    assert values[state.hp_key(state.SHARED, "lr")] == 0.01
    assert state.hp_key(state.SHARED, "momentum") not in values
    assert notes == ["URL parameter `'all.momentum'` is not a control here; ignored."]
