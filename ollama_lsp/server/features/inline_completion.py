"""``textDocument/inlineCompletion`` (LSP 3.18): the suggestion as ghost text at the cursor."""

from __future__ import annotations

from functools import partial

from lsprotocol import types

from ollama_lsp.completion.pipeline import CompletionPipeline
from ollama_lsp.server.server import OllamaLanguageServer, guarded
from ollama_lsp.server.suggest import suggest

__all__ = ["inline_completion", "register"]


async def inline_completion(
    ls: OllamaLanguageServer, params: types.InlineCompletionParams, pipeline: CompletionPipeline
) -> types.InlineCompletionList | None:
    invoked = params.context.trigger_kind == types.InlineCompletionTriggerKind.Invoked
    answer = await suggest(
        ls,
        pipeline,
        params.text_document.uri,
        params.position,
        invoked=invoked,
        work_done_token=params.work_done_token,
        selected=params.context.selected_completion_info,
    )
    if answer is None:
        return None
    at = answer.cursor.position
    edit_range, text = types.Range(start=at, end=at), answer.suggestion.text
    if answer.replaced is not None:  # continue the item selected in the completion popup
        edit_range, prefix = answer.replaced
        text = prefix + text
    return types.InlineCompletionList(
        items=[types.InlineCompletionItem(insert_text=text, range=edit_range)]
    )


def register(server: OllamaLanguageServer, pipeline: CompletionPipeline) -> None:
    # pygls advertises inlineCompletionProvider only when the feature has options.
    server.feature(
        types.TEXT_DOCUMENT_INLINE_COMPLETION,
        types.InlineCompletionOptions(work_done_progress=True),
    )(guarded(partial(inline_completion, pipeline=pipeline)))
