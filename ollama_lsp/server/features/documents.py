"""Document sync: pygls keeps the text; we tell the pipeline and the next-edit engine what
changed, and the pipeline where the cursor rests.

Registering didOpen/didChange/didClose is what makes pygls advertise ``openClose``; the
workspace itself is updated by pygls's built-in handlers before ours run. Opened and changed
documents are indexed for snippets in the background, not when the next keystroke asks; the
next-edit engine keeps the edit history. ``ollama/didMoveCursor`` (sent by the project's
editors when the cursor comes to rest) lets the pipeline warm the model's cache for the prompt
the next request there will send.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from lsprotocol import types

from ollama_lsp.completion.pipeline import CompletionPipeline
from ollama_lsp.nextedit import NextEditEngine
from ollama_lsp.server.heap import return_freed_memory
from ollama_lsp.server.server import OllamaLanguageServer, guarded_notification
from ollama_lsp.server.suggest import as_document, line_edits, request_at, settings_ready

__all__ = ["CURSOR_NOTIFICATION", "did_change", "did_close", "did_move_cursor", "did_open"]

CURSOR_NOTIFICATION = "ollama/didMoveCursor"

log = logging.getLogger(__name__)


def did_open(
    ls: OllamaLanguageServer,
    params: types.DidOpenTextDocumentParams,
    pipeline: CompletionPipeline,
    next_edits: NextEditEngine,
) -> None:
    document = ls.workspace.text_documents.get(params.text_document.uri)
    if document is not None:
        snapshot = as_document(document)
        pipeline.document_opened(snapshot)
        next_edits.document_opened(snapshot)


def did_change(
    ls: OllamaLanguageServer,
    params: types.DidChangeTextDocumentParams,
    pipeline: CompletionPipeline,
    next_edits: NextEditEngine,
) -> None:
    uri = params.text_document.uri
    document = ls.workspace.text_documents.get(uri)
    if document is not None:
        snapshot = as_document(document)
        changes = line_edits(params.content_changes)
        pipeline.document_changed(uri, snapshot.text, changes, snapshot)
        next_edits.document_changed(uri, snapshot.text, changes)


def did_close(
    ls: OllamaLanguageServer,
    params: types.DidCloseTextDocumentParams,
    pipeline: CompletionPipeline,
    next_edits: NextEditEngine,
) -> None:
    pipeline.document_closed(params.text_document.uri)
    next_edits.document_closed(params.text_document.uri)
    return_freed_memory()  # a closed document's text (maybe megabytes) goes back to the system


async def did_move_cursor(
    ls: OllamaLanguageServer, params: Any, pipeline: CompletionPipeline
) -> None:
    """``{"textDocument": {"uri"}, "position": {"line", "character"}}``: the cursor rests."""
    if not await settings_ready(ls):  # sent right after opening a file: settings first
        return
    uri = _field(_field(params, "textDocument"), "uri")
    position = _field(params, "position")
    line, character = _field(position, "line"), _field(position, "character")
    if not isinstance(uri, str) or not isinstance(line, int) or not isinstance(character, int):
        log.debug("%s without a document and position: %r", CURSOR_NOTIFICATION, params)
        return
    request = request_at(ls, uri, types.Position(line=max(0, line), character=max(0, character)))
    if request is not None:
        pipeline.cursor_moved(request)


def _field(value: Any, name: str) -> Any:
    """A field of a JSON object as pygls hands over a custom notification's params."""
    if isinstance(value, dict):
        return value.get(name)
    return getattr(value, name, None)


def register(
    server: OllamaLanguageServer, pipeline: CompletionPipeline, next_edits: NextEditEngine
) -> None:
    for method, handler in (
        (types.TEXT_DOCUMENT_DID_OPEN, did_open),
        (types.TEXT_DOCUMENT_DID_CHANGE, did_change),
        (types.TEXT_DOCUMENT_DID_CLOSE, did_close),
    ):
        server.feature(method)(
            guarded_notification(partial(handler, pipeline=pipeline, next_edits=next_edits))
        )
    server.feature(CURSOR_NOTIFICATION)(
        guarded_notification(partial(did_move_cursor, pipeline=pipeline))
    )
