"""A pull as the user sees it: the queue's job, a cancellable progress bar, a closing message.

Used by ``ollama.pullModel`` and by the commands that pull on the way (switching to a model
that is not pulled yet, a quantization level from the library).
"""

from __future__ import annotations

from lsprotocol import types
from pygls.exceptions import JsonRpcInternalError

from ollama_lsp.models import normalize_name
from ollama_lsp.server.backend import Backend
from ollama_lsp.server.downloads import DownloadQueue, PullOutcome, PullUpdate, describe_update
from ollama_lsp.server.server import OllamaLanguageServer, command_work_done_token
from ollama_lsp.store import DownloadStatus

__all__ = ["pull_with_progress"]


async def pull_with_progress(
    ls: OllamaLanguageServer, backend: Backend, downloads: DownloadQueue, model: str
) -> PullOutcome:
    """Pull ``model`` (joining a pull in flight) with a progress bar; tell the user the end.

    A failed pull raises its user-facing error; a cancelled one returns its outcome.
    """
    endpoint = backend.ollama_for("pull", model).settings.endpoints[0]
    job = downloads.pull(model, endpoint)
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
        _resume_completion(ls, backend, model)
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


def _resume_completion(ls: OllamaLanguageServer, backend: Backend, model: str) -> None:
    """The completion model was missing and is now pulled: load it, out of ``error``."""
    completion = ls.settings.completion.model
    if ls.status.current.state == "error" and normalize_name(model) == normalize_name(completion):
        ls.spawn(backend.warm_up(ls.settings), "load the pulled completion model")


def _percent(outcome: PullOutcome) -> str:
    if not outcome.total:
        return "what was"
    return f"{100 * outcome.completed // outcome.total} %"
