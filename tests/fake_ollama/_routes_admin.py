"""The control channel under ``/_fake``: configure rules, faults and models; read records.

Used by tests that run the emulator as a subprocess (editor tests, benchmarks, the demo).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ._faults import Fault
from ._scripted import Rule
from ._state import state_of
from ._wire import error_response, json_response

__all__ = ["admin_routes"]


async def _json(request: Request) -> Any:
    raw = await request.body()
    return json.loads(raw) if raw.strip() else {}


async def requests_(request: Request) -> Response:
    state = state_of(request)
    if request.method == "DELETE":
        state.recorder.clear()
        return json_response({})
    path = request.query_params.get("path")
    since = int(request.query_params.get("since", "0"))
    records = [
        r.to_json()
        for r in state.recorder.snapshot()
        if r.id > since and (path is None or r.path == path)
    ]
    return json_response({"requests": records})


async def counters(request: Request) -> Response:
    return json_response(state_of(request).recorder.counters.to_json())


async def rules(request: Request) -> Response:
    engine = state_of(request).scripted
    if request.method == "DELETE":
        engine.clear_rules()
    elif request.method == "POST":
        try:
            engine.add_rule(Rule.from_json(await _json(request)))
        except (TypeError, ValueError) as error:
            return error_response(400, str(error))
    return json_response({"rules": [r.to_json() for r in engine.rules]})


async def faults(request: Request) -> Response:
    book = state_of(request).faults
    if request.method == "DELETE":
        book.clear()
    elif request.method == "POST":
        try:
            book.add(Fault(**await _json(request)))
        except (TypeError, ValueError) as error:
            return error_response(400, str(error))
    return json_response({"faults": [f.to_json() for f in book.faults]})


async def connections(request: Request) -> Response:
    """``{"mode": "refuse", "seconds": 2}`` stops listening for a while (the reply is sent
    first); ``{"mode": "drop", "count": 3}`` accepts and closes the next connections."""
    state = state_of(request)
    body = await _json(request)
    mode = body.get("mode")
    seconds = float(body.get("seconds", 0))
    if mode == "refuse":
        if seconds <= 0:
            return error_response(400, "refuse needs seconds > 0 (nobody could re-enable it)")
        state.connections.refuse(seconds)
    elif mode == "drop":
        count = body.get("count")
        if count is None and seconds <= 0:
            return error_response(400, "drop needs a count or seconds")
        state.connections.drop(None if count is None else int(count), seconds)
    elif mode == "accept":
        state.connections.accept()
    else:
        return error_response(400, "mode must be refuse, drop or accept")
    return json_response({"mode": mode})


async def config(request: Request) -> Response:
    state = state_of(request)
    if request.method == "PATCH":
        try:
            state.config.update(await _json(request))
        except KeyError as error:
            return error_response(400, str(error))
    return json_response(state.config.to_json())


async def models(request: Request) -> Response:
    """GET: installed, partial and loaded models. POST ``{"pulled": [...]}``: replace the
    installed set (and unload everything)."""
    state = state_of(request)
    if request.method == "POST":
        body = await _json(request)
        for key in list(state.scheduler.loaded):
            state.scheduler.unload(key)
        state.store.models.clear()
        state.store.blobs.clear()
        if body.get("clear_partial", True):
            state.store.partial.clear()
        try:
            state.store.install_catalog(list(body.get("pulled", [])))
        except ValueError as error:
            return error_response(400, str(error))
    return json_response(
        {
            "installed": [m.name.display for m in state.store.listing()],
            "partial": dict(state.store.partial),
            "loaded": [m.model.name.display for m in state.scheduler.running()],
        }
    )


async def reset(request: Request) -> Response:
    state_of(request).reset()
    return json_response({})


def admin_routes(prefix: str) -> list[Route]:
    return [
        Route(f"{prefix}/requests", requests_, methods=["GET", "DELETE"]),
        Route(f"{prefix}/counters", counters, methods=["GET"]),
        Route(f"{prefix}/rules", rules, methods=["GET", "POST", "DELETE"]),
        Route(f"{prefix}/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route(f"{prefix}/connections", connections, methods=["POST"]),
        Route(f"{prefix}/config", config, methods=["GET", "PATCH"]),
        Route(f"{prefix}/models", models, methods=["GET", "POST"]),
        Route(f"{prefix}/reset", reset, methods=["POST"]),
    ]
