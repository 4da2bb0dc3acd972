"""``/api/pull``: the progress stream of a registry pull (images.go PullModel)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ._catalog import Layer, resolve_catalog
from ._decode import BadRequest, decode_body, model_field
from ._names import parse_name
from ._state import FakeState, state_of
from ._streaming import StreamError, progress_response
from ._wire import error_response

__all__ = ["UNKNOWN_MODEL", "pull"]

UNKNOWN_MODEL = "pull model manifest: file does not exist"


def _progress(layer: Layer, completed: int) -> dict[str, Any]:
    line: dict[str, Any] = {
        "status": f"pulling {layer.digest[7:19]}",
        "digest": layer.digest,
        "total": layer.size,
    }
    if completed:
        line["completed"] = completed
    return line


async def _layer_progress(state: FakeState, layer: Layer) -> AsyncGenerator[dict[str, Any], None]:
    if layer.digest in state.store.blobs:
        yield _progress(layer, layer.size)
        return
    download = state.downloads.join(layer)
    try:
        while True:
            yield _progress(layer, download.completed)
            if download.done.is_set():
                return
            await asyncio.sleep(state.config.progress_interval)
    finally:
        state.downloads.leave(download)


async def _pull_stream(state: FakeState, text: str) -> AsyncGenerator[dict[str, Any], None]:
    yield {"status": "pulling manifest"}
    if state.config.manifest_seconds > 0:
        await asyncio.sleep(state.config.manifest_seconds)
    name = parse_name(text)
    spec = resolve_catalog(name) if name else None
    if name is None or spec is None:
        raise StreamError(UNKNOWN_MODEL)
    for layer in spec.layers:
        async with contextlib.aclosing(_layer_progress(state, layer)) as lines:
            async for line in lines:
                yield line
    yield {"status": "verifying sha256 digest"}
    yield {"status": "writing manifest"}
    previous = state.store.get(name)
    state.store.install(name, spec)
    if previous is not None and previous.spec.digest != spec.digest:
        yield {"status": "removing unused layers"}
    yield {"status": "success"}


async def pull(request: Request) -> Response:
    state = state_of(request)
    try:
        body = decode_body(await request.body(), "PullRequest", {"model": str, "stream": bool})
        text = model_field(body)
        if parse_name(text) is None:
            raise BadRequest("invalid model name")
    except BadRequest as error:
        return error_response(error.status, error.message)
    return await progress_response(request, body, _pull_stream(state, text))
