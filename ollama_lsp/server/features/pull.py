"""``ollama.pullModel`` / ``ollama.cancelPull``: queued pulls with a progress bar and a message.

The progress bar (workDoneProgress) is cancellable; cancelling it cancels the pull for every
request sharing it, as ``ollama.cancelPull`` does. A request cancelled with ``$/cancelRequest``
only stops watching, unless it was the last one. At start, pulls a killed server left running
are marked interrupted and the user is told how to resume them.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from lsprotocol import types

from ollama_lsp.server.backend import Backend
from ollama_lsp.server.commands import Args, register_command, required_str
from ollama_lsp.server.downloads import DownloadQueue
from ollama_lsp.server.pulls import pull_with_progress
from ollama_lsp.server.server import OllamaLanguageServer
from ollama_lsp.settings import Settings
from ollama_lsp.store import DownloadStatus, ModelStore

__all__ = ["cancel_pull", "pull_model", "register", "tell_interrupted"]


async def pull_model(
    ls: OllamaLanguageServer, args: Args, backend: Backend, downloads: DownloadQueue
) -> dict[str, Any]:
    outcome = await pull_with_progress(ls, backend, downloads, required_str(args, "model"))
    result: dict[str, Any] = {
        "model": outcome.model,
        "status": outcome.status.value,
        "verified": outcome.verified,
        "durationMs": round(outcome.seconds * 1000),
    }
    if outcome.status is DownloadStatus.DONE:
        digest = next(
            (s.digest for s in await backend.client.list_models() if s.name == outcome.model),
            None,
        )
        if digest:
            result["digest"] = digest
    return result


async def cancel_pull(
    ls: OllamaLanguageServer, args: Args, downloads: DownloadQueue
) -> dict[str, Any]:
    return {"cancelled": downloads.cancel(required_str(args, "model"))}


async def tell_interrupted(ls: OllamaLanguageServer, store: ModelStore) -> None:
    """Mark the pulls a killed server left running as interrupted; say how to resume them."""
    interrupted = await asyncio.to_thread(store.recover_on_start)
    interrupted += [
        d
        for d in await asyncio.to_thread(store.interrupted_downloads)
        if d.id not in {i.id for i in interrupted}
    ]
    for download in interrupted:
        share = f" at {int(download.fraction * 100)} %" if download.fraction is not None else ""
        ls.status.show(
            f"The download of {download.model} was interrupted{share}; "
            f"pull it again with `ollama pull {download.model}` to resume it.",
            types.MessageType.Warning,
        )


def register(
    server: OllamaLanguageServer, backend: Backend, downloads: DownloadQueue, store: ModelStore
) -> None:
    register_command(
        server, "ollama.pullModel", partial(pull_model, backend=backend, downloads=downloads)
    )
    register_command(server, "ollama.cancelPull", partial(cancel_pull, downloads=downloads))

    async def once_started(new: Settings, old: Settings) -> None:
        if not server.ready.is_set():  # the first settings: the client can be told now
            server.spawn(tell_interrupted(server, store), "tell about interrupted downloads")

    server.on_settings(once_started)
