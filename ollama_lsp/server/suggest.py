"""The request side shared by inline completion and the completion fallback.

Turns an LSP document position into a pipeline request (clamped cursor, open documents as
context), reports workDoneProgress for a manual request that carries a token, and returns the
suggestion with the cursor it belongs to.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from lsprotocol import types
from pygls.workspace import TextDocument

from ollama_lsp.completion.pipeline import CompletionRequest, Suggestion
from ollama_lsp.context import Document
from ollama_lsp.server.positions import Cursor, cursor_at
from ollama_lsp.server.server import OllamaLanguageServer

__all__ = ["Answer", "suggest"]

#: Longest a request waits for the first settings (the client answers workspace/configuration).
SETTINGS_WAIT = 10.0


@dataclass(frozen=True, slots=True)
class Answer:
    """A suggestion, the clamped cursor it is for, and the text it was computed on."""

    suggestion: Suggestion
    cursor: Cursor
    document: TextDocument
    source: str


def _document(doc: TextDocument, source: str | None = None) -> Document:
    text = doc.source if source is None else source
    return Document(doc.uri, text, doc.language_id or "", doc.version or 0)


async def suggest(
    ls: OllamaLanguageServer,
    uri: str,
    position: types.Position,
    *,
    invoked: bool,
    work_done_token: types.ProgressToken | None = None,
) -> Answer | None:
    """A suggestion at ``position`` of the open document ``uri``; ``None`` for unknown URIs."""
    if not ls.ready.is_set():  # a request sent right after `initialized`: settings first
        try:
            await asyncio.wait_for(ls.ready.wait(), SETTINGS_WAIT)
        except TimeoutError:
            return None
    pipeline = ls.pipeline
    doc = ls.workspace.text_documents.get(uri)
    if pipeline is None or doc is None:
        return None
    source = doc.source
    cursor = cursor_at(source, doc.position_codec, position)
    request = CompletionRequest(
        document=_document(doc, source),
        offset=cursor.offset,
        open_documents=[_document(d) for d in ls.workspace.text_documents.values()],
        invoked=invoked,
    )
    if invoked and work_done_token is not None:
        model = ls.settings.completion.model
        async with ls.work_progress(
            "Ollama", token=work_done_token, message=f"Completing with {model}"
        ) as progress:
            suggestion = await pipeline.complete(request)
            progress.end_message = "Done" if suggestion else "No suggestion"
    else:
        suggestion = await pipeline.complete(request)
    if suggestion is None:
        return None
    return Answer(suggestion, cursor, doc, source)
