"""Turn a :class:`CodeContext` into the prompt one model family expects."""

from __future__ import annotations

from ollama_lsp.context import CodeContext, Snippet
from ollama_lsp.families._comments import comment_out
from ollama_lsp.families._table import Family, family_for
from ollama_lsp.providers import CompletionPrompt

__all__ = ["build_prompt", "uses_fim"]


def uses_fim(model: str, supports_insert: bool | None) -> bool:
    """FIM or not: the server's ``insert`` capability decides; the family table when unknown."""
    if supports_insert is not None:
        return supports_insert
    family = family_for(model)
    return family is not None and family.fim_for(model)


def build_prompt(
    model: str, context: CodeContext, supports_insert: bool | None = None
) -> CompletionPrompt:
    """The prompt for ``model`` at ``context``.

    Stable parts come first (other files, sorted; then the recent edits; then this file's path)
    and the file's prefix last, so that consecutive requests share a long prompt prefix and
    Ollama reuses its KV cache. FIM prompts are rendered here and sent ``raw``; a model that
    supports insert but whose family we do not know gets Ollama's own template (``suffix``).
    Without FIM the prompt is the prefix alone, also ``raw``, so no chat template wraps it.
    """
    family = family_for(model)
    stop = family.stop if family is not None else ()
    snippets = (*context.snippets, *context.recent_edits)
    if uses_fim(model, supports_insert):
        if family is not None and family.fim_template is not None:
            return CompletionPrompt(_render_fim(family, context, snippets), None, True, stop)
        return CompletionPrompt(
            _commented(context, snippets) + context.prefix, context.suffix, False, stop
        )
    return CompletionPrompt(_commented(context, snippets) + context.prefix, None, True, stop)


def _render_fim(family: Family, context: CodeContext, snippets: tuple[Snippet, ...]) -> str:
    assert family.fim_template is not None
    if family.file_template is not None and "{path}" in family.fim_template:
        other_files = "".join(
            family.file_template.format(path=s.path, text=s.text) for s in snippets
        )
    else:
        other_files = _commented(context, snippets)
    return family.fim_template.format(
        context=other_files, path=context.path, prefix=context.prefix, suffix=context.suffix
    )


def _commented(context: CodeContext, snippets: tuple[Snippet, ...]) -> str:
    """Other files, then this file's path, as comments of the document's language."""
    parts = [comment_out(f"Path: {s.path}\n{s.text}", context.language_id) for s in snippets]
    parts.append(comment_out(f"Path: {context.path}", context.language_id))
    return "\n\n".join(parts) + "\n"
