"""``textDocument/inlineCompletion`` (LSP 3.18): the suggestion as ghost text at the cursor.

An invoked request (the user asked by hand, or for the next suggestion) offers up to three
choices to cycle through. Each item carries the command that tells the server it was
accepted, and each is offered under an id that the editor reports outcomes by.
"""

from __future__ import annotations

from functools import partial

from lsprotocol import types

from ollama_lsp.completion.pipeline import CompletionPipeline
from ollama_lsp.server.outcomes import SuggestionOutcomes, accept_command
from ollama_lsp.server.server import OllamaLanguageServer, guarded
from ollama_lsp.server.suggest import suggest

__all__ = ["inline_completion", "register"]


async def inline_completion(
    ls: OllamaLanguageServer,
    params: types.InlineCompletionParams,
    pipeline: CompletionPipeline,
    outcomes: SuggestionOutcomes,
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
        choices=True,
    )
    if answer is None:
        return None
    at = answer.cursor.position
    edit_range, prefix = types.Range(start=at, end=at), ""
    if answer.replaced is not None:  # continue the item selected in the completion popup
        edit_range, prefix = answer.replaced
    language, model = answer.document.language_id or "", pipeline.settings.model
    items = []
    for index, choice in enumerate(answer.choices):
        outcomes.offered("completion", choice.id, language, model, shown=index == 0)
        items.append(
            types.InlineCompletionItem(
                insert_text=prefix + choice.text,
                range=edit_range,
                command=accept_command(choice.id),
            )
        )
    return types.InlineCompletionList(items=items)


def register(
    server: OllamaLanguageServer, pipeline: CompletionPipeline, outcomes: SuggestionOutcomes
) -> None:
    # pygls advertises inlineCompletionProvider only when the feature has options.
    server.feature(
        types.TEXT_DOCUMENT_INLINE_COMPLETION,
        types.InlineCompletionOptions(work_done_progress=True),
    )(guarded(partial(inline_completion, pipeline=pipeline, outcomes=outcomes)))
