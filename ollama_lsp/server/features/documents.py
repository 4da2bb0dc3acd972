"""Document sync: pygls keeps the text; we tell the pipeline what changed.

Registering didOpen/didChange/didClose is what makes pygls advertise ``openClose``; the
workspace itself is updated by pygls's built-in handlers before ours run. Opened and changed
documents are indexed for snippets in the background, not when the next keystroke asks.
"""

from __future__ import annotations

from lsprotocol import types

from ollama_lsp.server.server import OllamaLanguageServer, guarded_notification
from ollama_lsp.server.suggest import as_document

__all__ = ["register"]


def register(server: OllamaLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @guarded_notification
    def did_open(ls: OllamaLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        document = ls.workspace.text_documents.get(params.text_document.uri)
        if ls.pipeline is not None and document is not None:
            ls.pipeline.document_opened(as_document(document))

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @guarded_notification
    def did_change(ls: OllamaLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        document = ls.workspace.text_documents.get(uri)
        if ls.pipeline is not None and document is not None:
            snapshot = as_document(document)
            ls.pipeline.document_changed(uri, snapshot.text, params.content_changes, snapshot)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @guarded_notification
    def did_close(ls: OllamaLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        if ls.pipeline is not None:
            ls.pipeline.document_closed(params.text_document.uri)
