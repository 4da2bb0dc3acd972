"""``textDocument/completion`` fallback: the same suggestion as one completion item.

For clients without inline completion. The item's edit replaces the identifier being typed
(so the client's own filtering keeps the item while the user types on) with that identifier
plus the suggestion; the list is incomplete, so the client asks again and the typed-through
cache answers. Accepting the item runs the command that tells the server so.
"""

from __future__ import annotations

from functools import partial

from lsprotocol import types

from ollama_lsp.completion.pipeline import CompletionPipeline
from ollama_lsp.server.outcomes import SuggestionOutcomes, accept_command
from ollama_lsp.server.positions import position_of
from ollama_lsp.server.server import OllamaLanguageServer, guarded
from ollama_lsp.server.suggest import suggest

__all__ = ["completion", "completion_item", "register", "word_start"]

_LABEL_MAX = 60


def word_start(source: str, offset: int) -> int:
    """Where the identifier ending at ``offset`` starts (scanning back: linear in its length)."""
    start = offset
    while start > 0 and (source[start - 1].isalnum() or source[start - 1] == "_"):
        start -= 1
    return start


def completion_item(
    word: str, suggestion: str, edit_range: types.Range, command: types.Command | None = None
) -> types.CompletionItem:
    """One plain-text item inserting ``word + suggestion`` over ``edit_range``; the editor runs
    ``command`` once it is accepted."""
    new_text = word + suggestion
    first_line = new_text.split("\n", 1)[0].strip() or new_text.strip()
    label = first_line if len(first_line) <= _LABEL_MAX else first_line[: _LABEL_MAX - 1] + "…"
    return types.CompletionItem(
        label=label,
        kind=types.CompletionItemKind.Text,
        detail="Ollama",
        documentation=new_text if "\n" in new_text else None,
        filter_text=new_text.split("\n", 1)[0],
        sort_text="0",
        insert_text_format=types.InsertTextFormat.PlainText,
        text_edit=types.TextEdit(range=edit_range, new_text=new_text),
        command=command,
    )


async def completion(
    ls: OllamaLanguageServer,
    params: types.CompletionParams,
    pipeline: CompletionPipeline,
    outcomes: SuggestionOutcomes,
) -> types.CompletionList:
    invoked = (
        params.context is not None
        and params.context.trigger_kind == types.CompletionTriggerKind.Invoked
    )
    answer = await suggest(
        ls,
        pipeline,
        params.text_document.uri,
        params.position,
        invoked=invoked,
        work_done_token=params.work_done_token,
    )
    if answer is None:
        return types.CompletionList(is_incomplete=True, items=[])
    source, offset = answer.source, answer.cursor.offset
    word = source[word_start(source, offset) : offset]
    start = position_of(source, answer.document.position_codec, offset - len(word))
    edit_range = types.Range(start=start, end=answer.cursor.position)
    suggestion = answer.suggestion
    language = answer.document.language_id or ""
    outcomes.offered("completion", suggestion.id, language, pipeline.settings.model, shown=True)
    item = completion_item(word, suggestion.text, edit_range, accept_command(suggestion.id))
    return types.CompletionList(is_incomplete=True, items=[item])


def register(
    server: OllamaLanguageServer, pipeline: CompletionPipeline, outcomes: SuggestionOutcomes
) -> None:
    server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(resolve_provider=False, work_done_progress=True),
    )(guarded(partial(completion, pipeline=pipeline, outcomes=outcomes)))
