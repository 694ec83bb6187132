"""The URL codec both pages share: one start-point decoder, one schedule grammar, one kind of note."""
import pytest

from landscapes.registry import SURFACES
from ui import playground_url, stability_state, state
from ui.url_codec import Decoder, format_schedule, parse_schedule
from validation import ValidationError

# Each page's decoder, and where it puts a ravine start point.
PAGES = {
    "playground": (playground_url.decode, (state.START_X, state.START_Y)),
    "stability": (stability_state.decode, stability_state.start_keys("ravine")),
}


@pytest.mark.parametrize("page", PAGES)
def test_both_pages_read_a_start_point_the_same_way(page):
    decode, keys = PAGES[page]
    values, notes = decode({"surface": "ravine", "start": "-4.5,1.5"})
    assert not notes and (values[keys[0]], values[keys[1]]) == (-4.5, 1.5)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("text, problem", [("1", "expected two numbers X,Y"), ("a,2", "start x must be a number"),
                                           ("0,1e9", "start y must be in")])
def test_both_pages_note_a_bad_start_point_and_use_the_default(page, text, problem):
    decode, keys = PAGES[page]
    values, notes = decode({"surface": "ravine", "start": text})
    assert (values[keys[0]], values[keys[1]]) == tuple(SURFACES["ravine"].default_start)
    assert len(notes) == 1 and f"`start={text!r}` ignored ({problem}" in notes[0]


@pytest.mark.parametrize("page", PAGES)
def test_both_pages_snap_a_surface_parameter_to_its_slider_with_a_note(page):
    decode, _ = PAGES[page]
    values, notes = decode({"surface": "quadratic", "condition": "97"})
    assert 100.0 in values.values()
    assert notes == ["URL value condition=97 is not on the slider; using the nearest, 100."]


def test_a_schedule_reads_back_what_it_wrote():
    text = format_schedule("cosine", {"T_max": 150.0, "eta_min": 0.0})
    assert text == "cosine:T_max=150,eta_min=0"
    assert parse_schedule(text) == ("cosine", {"T_max": 150.0, "eta_min": 0.0})
    assert format_schedule("constant", {}) == "constant" and parse_schedule("constant") == ("constant", {})


@pytest.mark.parametrize("text", ["cosine:T_max", "wobble:T_max=3", "cosine:T_max=x"])
def test_a_bad_schedule_is_refused_with_a_reason(text):
    with pytest.raises(ValidationError):
        parse_schedule(text)


def test_parameters_no_control_took_are_each_noted():
    decoder = Decoder({"steps": "100", "zoom": "2", "Surface": "ravine"})
    decoder.option("steps", "steps", (50, 100), 50)
    values, notes = decoder.finish()
    assert values == {"steps": 100}
    assert notes == ["URL parameter `'Surface'` is not a control here; ignored.",
                     "URL parameter `'zoom'` is not a control here; ignored."]
