"""The request side shared by inline completion and the completion fallback.

Turns an LSP document position into a pipeline request (clamped cursor, open documents as
context), reports workDoneProgress for a manual request that carries a token, and returns the
suggestion with the cursor it belongs to; for an invoked inline request, with the other
choices. Also the two conversions from LSP's document types to the context layer's
(:func:`as_document`, :func:`line_edits`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lsprotocol import types
from pygls.workspace import TextDocument

from ollama_lsp.completion.pipeline import (
    Choice,
    CompletionOutcome,
    CompletionPipeline,
    CompletionRequest,
    Suggestion,
)
from ollama_lsp.context import Document, LineEdit
from ollama_lsp.server.positions import Cursor, cursor_at
from ollama_lsp.server.server import OllamaLanguageServer

__all__ = [
    "Answer",
    "as_document",
    "asks_again_for_choices",
    "line_edits",
    "request_at",
    "settings_ready",
    "suggest",
]

#: Longest a request waits for the first settings (the client answers workspace/configuration).
SETTINGS_WAIT = 10.0


@dataclass(frozen=True, slots=True)
class Answer:
    """A suggestion, the clamped cursor it is for, and the text it was computed on.

    ``choices`` are the suggestions to offer, the first one first. ``replaced`` is set when
    the suggestion continues a selected completion item: the range that item replaces and its
    text (the inline item must then replace that range too).
    """

    suggestion: Suggestion
    cursor: Cursor
    document: TextDocument
    source: str
    replaced: tuple[types.Range, str] | None = None
    choices: tuple[Choice, ...] = ()


def as_document(doc: TextDocument, source: str | None = None) -> Document:
    """The context layer's view of a pygls document (optionally with other text)."""
    text = doc.source if source is None else source
    return Document(doc.uri, text, doc.language_id or "", doc.version or 0)


def line_edits(changes: Iterable[types.TextDocumentContentChangeEvent]) -> list[LineEdit]:
    """``didChange`` content changes as the lines they touched."""
    return [
        LineEdit(c.range.start.line, c.range.end.line, c.text.count("\n"))
        if isinstance(c, types.TextDocumentContentChangePartial)
        else LineEdit(whole=True)
        for c in changes
    ]


async def settings_ready(ls: OllamaLanguageServer) -> bool:
    """Wait for the first settings (a request sent right after ``initialized`` comes before
    the client answered ``workspace/configuration``); False when they never came."""
    if ls.ready.is_set():
        return True
    try:
        await asyncio.wait_for(ls.ready.wait(), SETTINGS_WAIT)
    except TimeoutError:
        return False
    return True


def request_at(
    ls: OllamaLanguageServer, uri: str, position: types.Position, *, invoked: bool = False
) -> CompletionRequest | None:
    """A pipeline request at ``position`` of the open document ``uri`` (``None``: not open)."""
    doc = ls.workspace.text_documents.get(uri)
    if doc is None:
        return None
    cursor = cursor_at(doc.source, doc.position_codec, position)
    return CompletionRequest(
        document=as_document(doc),
        offset=cursor.offset,
        open_documents=[as_document(d) for d in ls.workspace.text_documents.values()],
        invoked=invoked,
    )


def asks_again_for_choices(ls: OllamaLanguageServer) -> bool:
    """Whether the client asks again (invoked) when the user wants the next choice: the
    ``experimental.ollama.asksAgainForChoices`` client capability. Such a client gets the
    first suggestion of an invoked request alone, as fast as any, while the others are
    sampled; VS Code never asks twice at one place, so the others come with the first."""
    experimental = ls.client_capabilities.experimental
    ours = experimental.get("ollama") if isinstance(experimental, Mapping) else None
    return isinstance(ours, Mapping) and ours.get("asksAgainForChoices") is True


async def _complete(
    ls: OllamaLanguageServer,
    pipeline: CompletionPipeline,
    request: CompletionRequest,
    choices: bool,
) -> tuple[CompletionOutcome, tuple[Choice, ...]]:
    """The first suggestion, and the choices to offer with it."""
    outcome = await pipeline.complete(request)
    if not isinstance(outcome, Suggestion):
        return outcome, ()
    if not choices:
        return outcome, (outcome.choice,)
    if outcome.source == "model" and asks_again_for_choices(ls):
        pipeline.start_choices(request, outcome)
        return outcome, (outcome.choice,)
    return outcome, await pipeline.choices(request, outcome)


async def suggest(
    ls: OllamaLanguageServer,
    pipeline: CompletionPipeline,
    uri: str,
    position: types.Position,
    *,
    invoked: bool,
    work_done_token: types.ProgressToken | None = None,
    selected: types.SelectedCompletionInfo | None = None,
    choices: bool = False,
) -> Answer | None:
    """A suggestion at ``position`` of the open document ``uri``; ``None`` for unknown URIs.

    With ``choices``, an ``invoked`` request offers up to ``MAX_CHOICES`` suggestions. With
    ``selected`` (the item highlighted in the editor's completion popup), the suggestion is
    made for the document as it will be once that item is accepted, and the answer's
    ``replaced`` says which range and text it continues.
    """
    if not await settings_ready(ls):
        return None
    doc = ls.workspace.text_documents.get(uri)
    if doc is None:
        return None
    source = doc.source
    cursor = cursor_at(source, doc.position_codec, position)
    text, offset, replaced = source, cursor.offset, None
    if selected is not None:
        start = cursor_at(source, doc.position_codec, selected.range.start)
        end = cursor_at(source, doc.position_codec, selected.range.end)
        if start.line == end.line == cursor.line and start.offset <= cursor.offset <= end.offset:
            text = source[: start.offset] + selected.text + source[end.offset :]
            offset = start.offset + len(selected.text)
            replaced = (types.Range(start=start.position, end=end.position), selected.text)
    request = CompletionRequest(
        document=as_document(doc, text),
        offset=offset,
        open_documents=[as_document(d) for d in ls.workspace.text_documents.values()],
        invoked=invoked,
    )
    choices = choices and invoked
    if invoked and work_done_token is not None:
        model = ls.settings.completion.model
        async with ls.work_progress(
            "Ollama", token=work_done_token, message=f"Completing with {model}"
        ) as progress:
            outcome, offered = await _complete(ls, pipeline, request, choices)
            progress.end_message = "Done" if isinstance(outcome, Suggestion) else "No suggestion"
    else:
        outcome, offered = await _complete(ls, pipeline, request, choices)
    if not isinstance(outcome, Suggestion):
        return None
    return Answer(outcome, cursor, doc, source, replaced, offered)
