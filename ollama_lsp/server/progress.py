"""workDoneProgress as an async context manager, for completion and for long commands.

``async with work_progress(server, "Pulling model", token=params.work_done_token) as p:`` uses
the client's token when the request carried one, creates a server token when the client
supports ``window.workDoneProgress``, and otherwise reports nothing. ``p.cancelled`` turns true
when the user presses cancel; ``end`` is always sent, and the token is forgotten afterwards so
a long-lived server does not accumulate them.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.capabilities import get_capability

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

__all__ = ["ProgressHandle", "work_progress"]

log = logging.getLogger(__name__)


class ProgressHandle:
    """One running progress: ``report`` updates it, ``cancelled`` reads the user's cancel."""

    def __init__(self, server: LanguageServer | None, token: types.ProgressToken | None) -> None:
        self._server = server
        self.token = token
        self.end_message: str | None = None

    @property
    def active(self) -> bool:
        return self._server is not None and self.token is not None

    @property
    def cancelled(self) -> bool:
        if self._server is None or self.token is None:
            return False
        future = self._server.work_done_progress.tokens.get(self.token)
        return future is not None and future.cancelled()

    def report(self, message: str | None = None, percentage: int | None = None) -> None:
        if self._server is None or self.token is None:
            return
        if percentage is not None:
            percentage = max(0, min(100, int(percentage)))
        self._server.work_done_progress.report(
            self.token, types.WorkDoneProgressReport(message=message, percentage=percentage)
        )


@asynccontextmanager
async def work_progress(
    server: LanguageServer,
    title: str,
    *,
    token: types.ProgressToken | None = None,
    cancellable: bool = False,
    message: str | None = None,
    percentage: int | None = None,
) -> AsyncIterator[ProgressHandle]:
    """Report progress for the duration of the block (see the module docstring)."""
    progress = server.work_done_progress
    if token is None and get_capability(
        server.client_capabilities, "window.work_done_progress", False
    ):
        candidate = f"ollama-lsp/{uuid.uuid4()}"
        try:
            # shielded: a cancelled caller must not leave pygls a cancelled future to resolve
            await asyncio.shield(progress.create_async(candidate))
            token = candidate
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the client refused: carry on without a progress bar
            log.debug("workDoneProgress/create failed: %s", exc)
    if token is None:
        yield ProgressHandle(None, None)
        return
    handle = ProgressHandle(server, token)
    progress.begin(
        token,
        types.WorkDoneProgressBegin(
            title=title, cancellable=cancellable, message=message, percentage=percentage
        ),
    )
    try:
        yield handle
    finally:
        progress.end(token, types.WorkDoneProgressEnd(message=handle.end_message))
        progress.tokens.pop(token, None)
