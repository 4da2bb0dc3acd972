"""``ollama.pullModel`` / ``ollama.cancelPull``: queued pulls with a progress bar and a message.

The progress bar (workDoneProgress) is cancellable; cancelling it cancels the pull for every
request sharing it, as ``ollama.cancelPull`` does. A request cancelled with ``$/cancelRequest``
only stops watching, unless it was the last one. At start, pulls a killed server left running
are marked interrupted and the user is told how to resume them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInternalError

from ollama_lsp.models import normalize_name
from ollama_lsp.server.commands import (
    Args,
    client_of,
    endpoint_of,
    register_command,
    required_str,
)
from ollama_lsp.server.downloads import DownloadQueue, PullOutcome, PullUpdate, describe_update
from ollama_lsp.server.features.backend import warm_up
from ollama_lsp.server.server import OllamaLanguageServer, command_work_done_token
from ollama_lsp.server.settings import Settings
from ollama_lsp.store import DownloadStatus

__all__ = ["pull_model", "register"]

log = logging.getLogger(__name__)


def _queue(ls: OllamaLanguageServer) -> DownloadQueue:
    if ls.downloads is None:
        raise JsonRpcInternalError("ollama-lsp is still starting; try again in a moment.")
    return ls.downloads


async def pull_model(ls: OllamaLanguageServer, model: str) -> PullOutcome:
    """Pull ``model`` (joining a pull in flight) with a progress bar; tell the user the end.

    A failed pull raises its user-facing error; a cancelled one returns its outcome.
    """
    client_of(ls)
    job = _queue(ls).pull(model, endpoint_of(ls))
    title = f"Pulling {model}"
    async with ls.work_progress(title, token=command_work_done_token(), cancellable=True) as bar:

        def show(update: PullUpdate) -> None:
            percent = None if update.fraction is None else int(update.fraction * 100)
            bar.report(describe_update(update), percent)

        stop_watching = job.watch(show)
        cancel = ls.work_done_progress.tokens.get(bar.token) if bar.token is not None else None
        if cancel is not None:
            cancel.add_done_callback(lambda _: job.cancel())
        try:
            outcome = await job.wait()
        finally:
            stop_watching()
        bar.end_message = outcome.status.value
    if outcome.status is DownloadStatus.DONE:
        verified = ", sha256 digest verified" if outcome.verified else ""
        ls.status.show(f"Pulled {model} in {outcome.seconds:.0f} s{verified}.")
        _resume_completion(ls, model)
    elif outcome.status is DownloadStatus.CANCELLED:
        ls.status.show(
            f"Pull of {model} cancelled; pulling it again resumes from "
            f"{_percent(outcome)} downloaded.",
            types.MessageType.Warning,
        )
    else:
        message = f"Pulling {model} failed: {(outcome.error or 'unknown error').rstrip('.')}."
        if outcome.completed:
            message += f" Pulling it again resumes from {_percent(outcome)} downloaded."
        raise JsonRpcInternalError(message)
    return outcome


def _resume_completion(ls: OllamaLanguageServer, model: str) -> None:
    """The completion model was missing and is now pulled: load it, out of ``error``."""
    completion = ls.settings.completion.model
    if ls.status.current.state == "error" and normalize_name(model) == normalize_name(completion):
        ls.spawn(warm_up(ls, client_of(ls), ls.settings), "load the pulled completion model")


def _percent(outcome: PullOutcome) -> str:
    if not outcome.total:
        return "what was"
    return f"{100 * outcome.completed // outcome.total} %"


async def _pull(ls: OllamaLanguageServer, args: Args) -> dict[str, Any]:
    outcome = await pull_model(ls, required_str(args, "model"))
    result: dict[str, Any] = {
        "model": outcome.model,
        "status": outcome.status.value,
        "verified": outcome.verified,
        "durationMs": round(outcome.seconds * 1000),
    }
    if outcome.status is DownloadStatus.DONE:
        digest = next(
            (s.digest for s in await client_of(ls).list_models() if s.name == outcome.model), None
        )
        if digest:
            result["digest"] = digest
    return result


async def _cancel(ls: OllamaLanguageServer, args: Args) -> dict[str, Any]:
    return {"cancelled": _queue(ls).cancel(required_str(args, "model"))}


async def _tell_interrupted(ls: OllamaLanguageServer) -> None:
    if ls.store is None:
        return
    interrupted = await asyncio.to_thread(ls.store.recover_on_start)
    interrupted += [
        d
        for d in await asyncio.to_thread(ls.store.interrupted_downloads)
        if d.id not in {i.id for i in interrupted}
    ]
    for download in interrupted:
        share = f" at {int(download.fraction * 100)} %" if download.fraction is not None else ""
        ls.status.show(
            f"The download of {download.model} was interrupted{share}; "
            f"pull it again with `ollama pull {download.model}` to resume it.",
            types.MessageType.Warning,
        )


def register(server: OllamaLanguageServer) -> None:
    server.downloads = DownloadQueue(lambda: client_of(server), server.store)
    started = False

    @server.on_settings
    async def recover(new: Settings, old: Settings) -> None:
        nonlocal started
        if not started:
            started = True
            server.spawn(_tell_interrupted(server), "tell about interrupted downloads")

    register_command(server, "ollama.pullModel", _pull)
    register_command(server, "ollama.cancelPull", _cancel)
