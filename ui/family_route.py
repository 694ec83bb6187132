"""The live chart's families over plain HTTP: ``POST /api/family``, beside Streamlit's own routes.

A family (every option's run of one live control, :mod:`simulation.family`) is what a press on a live control
waits for. Asked for through the component, each one cost a rerun of the live chart's fragment: the script
runner started, the fragment's elements were sent again, and Streamlit's frontend applied the answer as a
delta to its page, which was most of the time a press waited. The browser asks this route instead
(``ui/frontend/live_chart.js``): the answer is the family's JSON and nothing else.

A request names all the family depends on: the page's settings as :func:`settings_fields` writes them, the
runs the control drives and its hyperparameter. The settings are validated again like any input
(:func:`simulation.settings.make_settings`), so the route computes nothing a page could not; the answer
depends on the request alone (it is cached by all of it) and reads nothing of any session.
"""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import replace
from typing import Any, Mapping

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from simulation.family import Family, compute_family, encode_family, with_value
from simulation.settings import Settings, make_run, make_settings
from ui.front_end import server_path
from validation import ValidationError
from viz.figures import plotted_losses
from viz.paths import thinned_indices

FAMILY_ROUTE = "api/family"  # under the server's base URL path, as Streamlit's own routes are
CACHED_FAMILIES = 16
FAMILY_KEY_BYTES = 8  # a family's key: a hash of what it was computed from (the browser compares them)
MAX_REQUEST_BYTES = 65_536  # a request holds settings of a few KB; anything far larger is not one


def settings_fields(settings: Settings) -> dict[str, Any]:
    """``settings`` as JSON data that :func:`settings_from_fields` reads back into the same settings."""
    return dict(surface=settings.surface, steps=settings.steps, start=list(settings.start), noise=settings.noise,
                seed=settings.seed, surface_params=dict(settings.surface_params),
                runs=[dict(optimizer=r.optimizer, hyperparams=dict(r.hyperparams), schedule=r.schedule,
                           schedule_params=dict(r.schedule_params)) for r in settings.runs])


def settings_from_fields(fields: Mapping[str, Any]) -> Settings:
    """Validated settings from JSON data as :func:`settings_fields` writes it."""
    runs = [make_run(r["optimizer"], r["hyperparams"], r["schedule"], r["schedule_params"]) for r in fields["runs"]]
    return make_settings(fields["surface"], runs, fields["steps"], fields["start"], fields["noise"], fields["seed"],
                         fields["surface_params"])


def neutral(settings: Settings, runs: tuple[int, ...], hp: str) -> Settings:
    """``settings`` with ``hp`` of ``runs`` fixed at its first option: the family of ``hp`` over ``runs`` does
    not depend on it, so neither does its key."""
    first = settings.runs[runs[0]].spec.hyperparameter(hp).options[0]
    return replace(settings, runs=tuple(with_value(r, hp, first) if k in runs else r
                                        for k, r in enumerate(settings.runs)))


def family_key(settings: Settings, runs: tuple[int, ...], hp: str) -> str:
    """The key of the family of ``hp`` over ``runs`` of ``settings``: the browser holds a family while its
    control's key is the same."""
    held = neutral(settings, runs, hp)
    return hashlib.blake2b(repr((held, runs, hp)).encode(), digest_size=FAMILY_KEY_BYTES).hexdigest()


@functools.lru_cache(maxsize=CACHED_FAMILIES)
def family_json(settings: Settings, runs: tuple[int, ...], hp: str) -> bytes:
    """The family of ``hp`` over ``runs`` of ``settings`` (neutral: cached once for every value of its own) as
    JSON text for the browser (see :func:`simulation.family.encode_family`), with its key and the loss axis'
    offset."""
    family: Family = compute_family(settings, runs, hp)
    surface = settings.surface_spec
    min_value = surface.min_value
    (losses,), log_axis = plotted_losses([family.losses], min_value)
    encoded = encode_family(family, *surface.domain, losses, log_axis, thinned_indices)
    return json.dumps(dict(encoded, loss_offset=min_value or 0.0, key=family_key(settings, runs, hp))).encode()


def answer(body: bytes) -> bytes:
    """The family a request's JSON ``body`` asks for ({settings, runs, hp}); a ValidationError otherwise."""
    if len(body) > MAX_REQUEST_BYTES:
        raise ValidationError(f"a family request is at most {MAX_REQUEST_BYTES} bytes")
    try:
        request = json.loads(body)
        settings = settings_from_fields(request["settings"])
        runs, hp = tuple(int(k) for k in request["runs"]), str(request["hp"])
    except (KeyError, TypeError, ValueError) as error:  # JSON errors are ValueErrors
        raise ValidationError(f"a family request is JSON with settings, runs and hp: {error}") from error
    if not runs or any(not 0 <= k < len(settings.runs) for k in runs):
        raise ValidationError(f"runs must be indices of the {len(settings.runs)} runs, got {list(runs)}")
    return family_json(neutral(settings, runs, hp), runs, hp)


async def _body(request: Request) -> bytes:
    """The request's body, read no further than one byte past ``MAX_REQUEST_BYTES`` (a huge body is refused
    without being held in memory)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_REQUEST_BYTES:
            break
    return bytes(body[:MAX_REQUEST_BYTES + 1])


async def family_endpoint(request: Request) -> Response:
    """``POST /api/family``: the family as JSON, or 400 with one line saying what is wrong with the request."""
    try:
        content = await run_in_threadpool(answer, await _body(request))
    except ValidationError as error:
        return PlainTextResponse(str(error), status_code=400)
    return Response(content, media_type="application/json")


def family_path() -> str:
    """The route's address, below the server's base URL path like every other (:func:`ui.front_end.server_path`)."""
    return server_path(FAMILY_ROUTE)


ROUTES = (Route(family_path(), family_endpoint, methods=["POST"]),)
