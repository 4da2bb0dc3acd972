"""Document sync: pygls keeps the text; we tell the pipeline what changed.

Registering didOpen/didChange/didClose is what makes pygls advertise ``openClose``; the
workspace itself is updated by pygls's built-in handlers before ours run. Opened and changed
documents are indexed for snippets in the background, not when the next keystroke asks.
"""

from __future__ import annotations

from functools import partial

from lsprotocol import types

from ollama_lsp.completion.pipeline import CompletionPipeline
from ollama_lsp.server.heap import return_freed_memory
from ollama_lsp.server.server import OllamaLanguageServer, guarded_notification
from ollama_lsp.server.suggest import as_document, line_edits

__all__ = ["did_change", "did_close", "did_open", "register"]


def did_open(
    ls: OllamaLanguageServer, params: types.DidOpenTextDocumentParams, pipeline: CompletionPipeline
) -> None:
    document = ls.workspace.text_documents.get(params.text_document.uri)
    if document is not None:
        pipeline.document_opened(as_document(document))


def did_change(
    ls: OllamaLanguageServer,
    params: types.DidChangeTextDocumentParams,
    pipeline: CompletionPipeline,
) -> None:
    uri = params.text_document.uri
    document = ls.workspace.text_documents.get(uri)
    if document is not None:
        snapshot = as_document(document)
        pipeline.document_changed(uri, snapshot.text, line_edits(params.content_changes), snapshot)


def did_close(
    ls: OllamaLanguageServer,
    params: types.DidCloseTextDocumentParams,
    pipeline: CompletionPipeline,
) -> None:
    pipeline.document_closed(params.text_document.uri)
    return_freed_memory()  # a closed document's text (maybe megabytes) goes back to the system


def register(server: OllamaLanguageServer, pipeline: CompletionPipeline) -> None:
    for method, handler in (
        (types.TEXT_DOCUMENT_DID_OPEN, did_open),
        (types.TEXT_DOCUMENT_DID_CHANGE, did_change),
        (types.TEXT_DOCUMENT_DID_CLOSE, did_close),
    ):
        server.feature(method)(guarded_notification(partial(handler, pipeline=pipeline)))
