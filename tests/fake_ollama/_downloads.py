"""Blob transfers shared by concurrent pulls and resumable after an interruption (download.go).

A blob download runs as a background task; every pull waiting on it polls its progress. It is
cancelled only when the last waiter leaves, and its completed bytes stay behind as a partial
blob that the next pull resumes from.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from ._catalog import Layer
from ._config import EmulatorConfig
from ._recording import Counters
from ._store import ModelStore

__all__ = ["BlobDownload", "Downloads"]


@dataclass
class BlobDownload:
    layer: Layer
    completed: int
    waiters: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


class Downloads:
    """Active blob downloads, keyed by digest (``blobDownloadManager``)."""

    def __init__(
        self, config: EmulatorConfig, store: ModelStore, counters: Callable[[], Counters]
    ) -> None:
        self.config = config
        self.store = store
        self.counters = counters
        self.active: dict[str, BlobDownload] = {}

    def join(self, layer: Layer) -> BlobDownload:
        download = self.active.get(layer.digest)
        if download is None:
            resumed = self.store.partial.get(layer.digest, 0)
            download = BlobDownload(layer, resumed)
            download.task = asyncio.get_running_loop().create_task(self._run(download))
            self.active[layer.digest] = download
            self.counters().downloads_started += 1
        download.waiters += 1
        return download

    def leave(self, download: BlobDownload) -> None:
        download.waiters -= 1
        if download.waiters <= 0 and not download.done.is_set() and download.task is not None:
            download.task.cancel()
            self.active.pop(download.layer.digest, None)
            self.counters().downloads_cancelled += 1

    async def _run(self, download: BlobDownload) -> None:
        config = self.config
        store = self.store
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
            self.counters().bytes_downloaded += step
        store.partial.pop(digest, None)
        store.blobs.add(digest)
        self.counters().downloads_completed += 1
        download.done.set()
        self.active.pop(digest, None)

    def cancel_all(self) -> None:
        """Stop every transfer (partial bytes stay, as after an interruption)."""
        for download in list(self.active.values()):
            if download.task is not None:
                download.task.cancel()
        self.active.clear()
