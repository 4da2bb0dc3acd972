"""NDJSON responses that notice a departing client at once, and apply mid-stream faults.

Starlette's own StreamingResponse relies on ``send`` failing once the client is gone, which
uvicorn never does; Ollama cancels generation when the connection closes, so here a watcher
task reads ``http.disconnect`` and cancels the producer.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncGenerator, Awaitable
from typing import Any, TypeVar

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from ._faults import Fault
from ._middleware import faults_of, record_of
from ._recording import RecordedRequest
from ._wire import NDJSON_CONTENT_TYPE, error_response, go_json, json_response

__all__ = ["NdjsonResponse", "StreamError", "progress_response", "run_watching"]

T = TypeVar("T")


class StreamError(Exception):
    """Raised by a stream source. Before the first line it becomes a real ``status`` with a JSON
    error body (Ollama sends headers with its first write); after, an ``{"error": ...}`` line."""

    def __init__(self, message: str, status: int = 500) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


async def _watch(
    receive: Receive, record: RecordedRequest | None, scope: anyio.CancelScope
) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            # After the last body message the server reports a disconnect too: not a departure.
            if record is not None and record.finished is None:
                record.disconnected = True
            scope.cancel()
            return


async def run_watching(
    receive: Receive, record: RecordedRequest | None, work: Awaitable[T]
) -> T | None:
    """Await ``work`` unless the client disconnects first (then ``None``)."""
    result: list[T] = []
    async with anyio.create_task_group() as group:

        async def run() -> None:
            result.append(await work)
            group.cancel_scope.cancel()

        group.start_soon(_watch, receive, record, group.cancel_scope)
        group.start_soon(run)
    return result[0] if result else None


async def progress_response(
    request: Request, body: dict[str, Any], source: AsyncGenerator[dict[str, Any], None]
) -> Response:
    """Pull and create: the progress stream, or with ``stream:false`` only its last object
    (an error becomes a status, 500 unless it says otherwise)."""
    record = record_of(request)
    if body.get("stream", True) is not False:
        return NdjsonResponse(source, record, faults_of(request))

    async def last_item() -> dict[str, Any] | StreamError:
        last: dict[str, Any] = {}
        try:
            async with contextlib.aclosing(source) as items:
                async for item in items:
                    last = item
        except StreamError as error:
            return error
        return last

    result = await run_watching(request.receive, record, last_item())
    if result is None:
        return Response(status_code=499)  # the client is gone; nobody reads this
    if isinstance(result, StreamError):
        return error_response(result.status, result.message)
    return json_response(result)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


class NdjsonResponse(Response):
    """Streams dicts as Go-marshalled lines, flushing each one."""

    media_type = NDJSON_CONTENT_TYPE

    def __init__(
        self,
        source: AsyncGenerator[dict[str, Any], None],
        record: RecordedRequest | None = None,
        faults: list[Fault] | None = None,
    ) -> None:
        # Not Response.__init__: that would declare Content-Length 0 for the empty body.
        self.status_code = 200
        self.background = None
        self.raw_headers = [(b"content-type", NDJSON_CONTENT_TYPE.encode())]
        self.source = source
        self.record = record
        self.faults = [
            f for f in faults or [] if f.kind in ("stall", "cut", "malformed", "error_line")
        ]
        self._cut = False
        self._started = False

    async def _start(self, send: Send) -> None:
        if not self._started:
            self._started = True
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})

    async def _line(self, send: Send, text: str) -> None:
        await self._start(send)
        await send({"type": "http.response.body", "body": text.encode(), "more_body": True})
        if self.record is not None:
            self.record.chunks_sent += 1

    async def _apply_faults(self, send: Send, sent: int) -> bool:
        """Faults due before line ``sent``; returns False when the stream must end."""
        for fault in [f for f in self.faults if f.after_chunks == sent]:
            self.faults.remove(fault)
            await self._start(send)
            if fault.kind == "stall":
                if fault.seconds > 0:
                    await anyio.sleep(fault.seconds)
                else:
                    await anyio.sleep_forever()
            elif fault.kind == "malformed":
                await self._line(send, fault.message + "\n")
            elif fault.kind == "error_line":
                await self._line(send, go_json({"error": fault.message}) + "\n")
                return False
            elif fault.kind == "cut":
                self._cut = True
                return False
        return True

    async def _pump(self, send: Send, scope: anyio.CancelScope) -> None:
        sent = 0
        async with contextlib.aclosing(self.source) as items:
            try:
                while await self._apply_faults(send, sent):
                    try:
                        item = await anext(items)
                    except StopAsyncIteration:
                        break
                    await self._line(send, go_json(item) + "\n")
                    sent += 1
            except StreamError as error:
                if not self._started:
                    await error_response(error.status, error.message)(
                        {"type": "http"}, _no_receive, send
                    )
                    scope.cancel()
                    return
                await self._line(send, go_json({"error": error.message}) + "\n")
        if not self._cut:
            await self._start(send)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        scope.cancel()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(_watch, receive, self.record, group.cancel_scope)
            group.start_soon(self._pump, send, group.cancel_scope)
        if self.record is not None and self.record.finished is None:
            self.record.finished = time.monotonic()
