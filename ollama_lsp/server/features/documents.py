"""Document sync: pygls keeps the text; we tell the pipeline what changed.

Registering didOpen/didChange/didClose is what makes pygls advertise ``openClose``; the
workspace itself is updated by pygls's built-in handlers before ours run.
"""

from __future__ import annotations

from lsprotocol import types

from ollama_lsp.server.server import OllamaLanguageServer, guarded_notification

__all__ = ["register"]


def register(server: OllamaLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: OllamaLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        """Nothing to do beyond pygls's bookkeeping; registered so ``openClose`` is advertised."""

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @guarded_notification
    async def did_change(
        ls: OllamaLanguageServer, params: types.DidChangeTextDocumentParams
    ) -> None:
        uri = params.text_document.uri
        document = ls.workspace.text_documents.get(uri)
        if ls.pipeline is not None and document is not None:
            ls.pipeline.document_changed(uri, document.source, params.content_changes)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @guarded_notification
    async def did_close(ls: OllamaLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        if ls.pipeline is not None:
            ls.pipeline.document_closed(params.text_document.uri)
