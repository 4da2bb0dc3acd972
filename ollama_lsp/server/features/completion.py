"""``textDocument/completion`` fallback: the same suggestion as one completion item.

For clients without inline completion. The item's edit replaces the identifier being typed
(so the client's own filtering keeps the item while the user types on) with that identifier
plus the suggestion; the list is incomplete, so the client asks again and the typed-through
cache answers.
"""

from __future__ import annotations

import re

from lsprotocol import types

from ollama_lsp.server.positions import position_of
from ollama_lsp.server.server import OllamaLanguageServer, guarded
from ollama_lsp.server.suggest import suggest

__all__ = ["completion_item", "register"]

_WORD_BEFORE = re.compile(r"\w*$")
_LABEL_MAX = 60


def completion_item(word: str, suggestion: str, edit_range: types.Range) -> types.CompletionItem:
    """One plain-text item inserting ``word + suggestion`` over ``edit_range``."""
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
    )


def register(server: OllamaLanguageServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(resolve_provider=False, work_done_progress=True),
    )
    @guarded
    async def completion(
        ls: OllamaLanguageServer, params: types.CompletionParams
    ) -> types.CompletionList | None:
        invoked = (
            params.context is not None
            and params.context.trigger_kind == types.CompletionTriggerKind.Invoked
        )
        answer = await suggest(
            ls,
            params.text_document.uri,
            params.position,
            invoked=invoked,
            work_done_token=params.work_done_token,
        )
        if answer is None:
            return types.CompletionList(is_incomplete=True, items=[])
        offset = answer.cursor.offset
        line_start = answer.source.rfind("\n", 0, offset) + 1
        match = _WORD_BEFORE.search(answer.source, line_start, offset)
        word = match.group(0) if match else ""
        start = position_of(answer.source, answer.document.position_codec, offset - len(word))
        edit_range = types.Range(start=start, end=answer.cursor.position)
        item = completion_item(word, answer.suggestion.text, edit_range)
        return types.CompletionList(is_incomplete=True, items=[item])
