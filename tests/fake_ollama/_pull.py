"""``/api/pull``: a registry download with shared, resumable blob transfers (download.go).

A blob download runs as a background task; every pull waiting on it polls its progress. It is
cancelled only when the last waiter leaves, and its completed bytes stay behind as a partial
blob that the next pull resumes from.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ._catalog import Layer, resolve_catalog
from ._decode import BadRequest, decode_body, model_field
from ._names import parse_name
from ._state import FakeState
from ._streaming import NdjsonResponse, StreamError, last_item, run_watching
from ._wire import error_response, json_response

__all__ = ["BlobDownload", "Downloads", "pull"]

UNKNOWN_MODEL = "pull model manifest: file does not exist"


@dataclass
class BlobDownload:
    layer: Layer
    completed: int
    waiters: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


class Downloads:
    """Active blob downloads, keyed by digest (``blobDownloadManager``)."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.active: dict[str, BlobDownload] = {}

    def join(self, layer: Layer) -> BlobDownload:
        download = self.active.get(layer.digest)
        if download is None:
            resumed = self.state.store.partial.get(layer.digest, 0)
            download = BlobDownload(layer, resumed)
            download.task = asyncio.get_running_loop().create_task(self._run(download))
            self.active[layer.digest] = download
            self.state.counters().downloads_started += 1
        download.waiters += 1
        return download

    def leave(self, download: BlobDownload) -> None:
        download.waiters -= 1
        if download.waiters <= 0 and not download.done.is_set() and download.task is not None:
            download.task.cancel()
            self.active.pop(download.layer.digest, None)
            self.state.counters().downloads_cancelled += 1

    async def _run(self, download: BlobDownload) -> None:
        config = self.state.config
        store = self.state.store
        digest = download.layer.digest
        total = download.layer.size
        loop = asyncio.get_running_loop()
        last = loop.time()
        while download.completed < total:
            await asyncio.sleep(min(config.progress_interval, 0.05))
            now = loop.time()
            step = int(config.pull_bytes_per_second * (now - last))
            last = now
            step = min(step, total - download.completed)
            download.completed += step
            store.partial[digest] = download.completed
            self.state.counters().bytes_downloaded += step
        store.partial.pop(digest, None)
        store.blobs.add(digest)
        self.state.counters().downloads_completed += 1
        download.done.set()
        self.active.pop(digest, None)


def _progress(layer: Layer, completed: int) -> dict[str, Any]:
    line: dict[str, Any] = {
        "status": f"pulling {layer.digest[7:19]}",
        "digest": layer.digest,
        "total": layer.size,
    }
    if completed:
        line["completed"] = completed
    return line


async def _layer_progress(
    state: FakeState, downloads: Downloads, layer: Layer
) -> AsyncGenerator[dict[str, Any], None]:
    if layer.digest in state.store.blobs:
        yield _progress(layer, layer.size)
        return
    download = downloads.join(layer)
    try:
        while True:
            yield _progress(layer, download.completed)
            if download.done.is_set():
                return
            await asyncio.sleep(state.config.progress_interval)
    finally:
        downloads.leave(download)


async def _pull_stream(
    state: FakeState, downloads: Downloads, text: str
) -> AsyncGenerator[dict[str, Any], None]:
    yield {"status": "pulling manifest"}
    if state.config.manifest_seconds > 0:
        await asyncio.sleep(state.config.manifest_seconds)
    name = parse_name(text)
    spec = resolve_catalog(name) if name else None
    if name is None or spec is None:
        raise StreamError(UNKNOWN_MODEL)
    for layer in spec.layers:
        async with contextlib.aclosing(_layer_progress(state, downloads, layer)) as lines:
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
    state: FakeState = request.app.state.fake
    downloads: Downloads = request.app.state.downloads
    record = request.scope["state"]["record"]
    try:
        body = decode_body(await request.body(), "PullRequest", {"model": str, "stream": bool})
        text = model_field(body)
        if parse_name(text) is None:
            raise BadRequest("invalid model name")
    except BadRequest as error:
        return error_response(error.status, error.message)
    source = _pull_stream(state, downloads, text)
    if body.get("stream", True) is not False:
        return NdjsonResponse(source, record, request.scope["state"]["faults"])

    result = await run_watching(request.receive, record, last_item(source))
    if result is None:
        return Response(status_code=499)
    if isinstance(result, str):
        return error_response(500, result)
    return json_response(result)
