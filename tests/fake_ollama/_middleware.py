"""Records every API request and applies the faults that act before the first byte."""

from __future__ import annotations

import json
import time
from typing import Any

import anyio
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._faults import Fault, FaultBook
from ._recording import RecordedRequest, Recorder
from ._wire import error_response

__all__ = ["ADMIN_PREFIX", "RecordingMiddleware", "faults_of", "record_of"]

ADMIN_PREFIX = "/_fake"
_STREAMING_PATHS = frozenset(("/api/generate", "/api/chat", "/api/pull", "/api/create"))
_LOADING_PATHS = frozenset(("/api/generate", "/api/chat", "/api/embed", "/api/embeddings"))
_GENERATING_PATHS = frozenset(("/api/generate", "/api/chat"))


def record_of(request: Request) -> RecordedRequest:
    """The record the middleware opened for this request."""
    record: RecordedRequest = request.scope["state"]["record"]
    return record


def faults_of(request: Request) -> list[Fault]:
    """The faults this request drew."""
    faults: list[Fault] = request.scope["state"]["faults"]
    return faults


def _fault_kinds(path: str) -> frozenset[str]:
    """The faults an endpoint can express: mid-stream ones only where it streams, ``oom`` only
    where it loads a model, ``crash`` only where a model generates."""
    kinds = {"status", "delay"}
    if path in _STREAMING_PATHS:
        kinds |= {"stall", "cut", "malformed", "error_line"}
    if path in _LOADING_PATHS:
        kinds.add("oom")
    if path in _GENERATING_PATHS:
        kinds.add("crash")
    return frozenset(kinds)


def _parse_body(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


class RecordingMiddleware:
    """Buffers the body (to record it), then replays it to the app; the admin API passes by."""

    def __init__(self, app: ASGIApp, recorder: Recorder, faults: FaultBook) -> None:
        self.app = app
        self.recorder = recorder
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        chunks = []
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        raw = b"".join(chunks)
        body = _parse_body(raw)
        record = self.recorder.start(scope["method"], scope["path"], body)
        model = record.model
        faults = self.faults.take(scope["path"], model, _fault_kinds(scope["path"]))
        scope.setdefault("state", {})
        scope["state"]["record"] = record
        scope["state"]["faults"] = faults
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": raw, "more_body": False}
            return await receive()

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                record.status = message["status"]
            elif message["type"] == "http.response.body":
                if record.first_byte is None:
                    record.first_byte = time.monotonic()
                if not message.get("more_body", False):
                    record.finished = time.monotonic()
            await send(message)

        try:
            for fault in faults:
                if fault.kind == "delay":
                    await anyio.sleep(fault.seconds)
            for fault in faults:
                if fault.kind == "status":
                    response = error_response(fault.status, fault.message)
                    await response(scope, replay, recording_send)
                    return
            await self.app(scope, replay, recording_send)
        finally:
            if record.finished is None:
                record.finished = time.monotonic()
