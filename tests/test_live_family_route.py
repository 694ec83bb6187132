"""The live chart's family route (ui/family_route.py): what the browser sends comes back as the same settings,
the answer is the family those settings give, and a bad request gets one line and a 400."""
from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest
import streamlit as st
from starlette.requests import Request

from simulation.family import compute_family, decode_rows
from simulation.settings import make_run, make_settings
from ui import family_route
from validation import ValidationError

SETTINGS = make_settings("quadratic", [make_run("gd", {"lr": 0.05}, "step", {"step_size": 20, "gamma": 0.5}),
                                       make_run("adam", {"lr": 0.02, "beta1": 0.8})],
                         60, (1.5, -0.5), 0.1, 3, {"condition": 10.0})


def _body(settings, runs, hp) -> bytes:
    fields = json.loads(json.dumps(family_route.settings_fields(settings)))  # as the browser holds them
    return json.dumps(dict(settings=fields, runs=list(runs), hp=hp)).encode()


def _post(body: bytes):
    """``family_route.family_endpoint`` answering ``body`` as the server's route does."""
    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}
    scope = {"type": "http", "method": "POST", "path": family_route.family_path(), "headers": [], "query_string": b""}
    return asyncio.run(family_route.family_endpoint(Request(scope, receive)))


def test_the_settings_sent_to_the_browser_come_back_as_the_same_settings():
    expression = make_settings("expr:x**2 + 3*y**2", [make_run("momentum", {"lr": 0.01})], 40, (1.0, 1.0))
    for settings in (SETTINGS, expression):
        fields = json.loads(json.dumps(family_route.settings_fields(settings)))
        assert family_route.settings_from_fields(fields) == settings


def test_the_answer_is_the_family_of_the_settings_sent_and_its_key_is_the_controls():
    answer = json.loads(_post(_body(SETTINGS, (1,), "beta1")).body)
    assert answer["key"] == family_route.family_key(SETTINGS, (1,), "beta1")
    family = compute_family(SETTINGS, (1,), "beta1")
    rows = decode_rows(answer, "x")[0]
    for o in range(len(family.options)):  # every option's path, within the quantisation step
        expected = family.positions[0, o, :len(rows[o]), 0]
        assert np.allclose(rows[o], np.clip(expected, *answer["x_range"]), atol=1e-3 * np.ptp(answer["x_range"]))


def test_a_familys_key_does_not_depend_on_its_own_controls_value():
    other_beta1 = make_settings("quadratic", [SETTINGS.runs[0], make_run("adam", {"lr": 0.02, "beta1": 0.95})],
                                60, (1.5, -0.5), 0.1, 3, {"condition": 10.0})
    assert family_route.family_key(other_beta1, (1,), "beta1") == family_route.family_key(SETTINGS, (1,), "beta1")
    assert family_route.family_key(other_beta1, (1,), "lr") != family_route.family_key(SETTINGS, (1,), "lr")


@pytest.mark.parametrize("body, words", [
    (b"{not json", "JSON"),
    (json.dumps(dict(runs=[0], hp="lr")).encode(), "settings"),
    (_body(SETTINGS, (2,), "lr"), "indices of the 2 runs"),
    (_body(SETTINGS, (0,), "beta1"), "hyperparameter of gd"),
    (b" " * (family_route.MAX_REQUEST_BYTES + 1), "at most"),
])
def test_a_bad_request_gets_one_line_and_a_400(body, words):
    response = _post(body)
    assert response.status_code == 400 and words in response.body.decode()
    assert "\n" not in response.body.decode()
    with pytest.raises(ValidationError):
        family_route.answer(body)


def test_a_huge_request_is_refused_before_it_is_read_whole():
    chunk, chunks, sent = b" " * 16_384, 1_000, []  # 16 MB on the wire

    async def receive():
        sent.append(1)
        return {"type": "http.request", "body": chunk, "more_body": len(sent) < chunks}
    scope = {"type": "http", "method": "POST", "path": family_route.family_path(), "headers": [], "query_string": b""}
    response = asyncio.run(family_route.family_endpoint(Request(scope, receive)))
    assert response.status_code == 400 and "at most" in response.body.decode()
    assert len(sent) * len(chunk) <= family_route.MAX_REQUEST_BYTES + len(chunk)


def test_the_route_lies_under_the_servers_base_url_path():
    assert family_route.family_path() == "/api/family"
    before = st.config.get_option("server.baseUrlPath")
    try:
        st.config.set_option("server.baseUrlPath", "/course/descent/")
        assert family_route.family_path() == "/course/descent/api/family"
    finally:
        st.config.set_option("server.baseUrlPath", before)
