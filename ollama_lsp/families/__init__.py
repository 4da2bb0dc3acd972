"""Per-model-family prompt rules: FIM templates, next-edit layouts, stop tokens, context
lengths."""

from ollama_lsp.families._comments import comment_out
from ollama_lsp.families._edit_prompt import (
    CURSOR_MARKER,
    EDIT_FORMATS,
    REGION_END,
    REGION_START,
    START_OF_FILE,
    EditContext,
    EditEvent,
    EditFormat,
    EditPrompt,
    build_edit_prompt,
    edit_format_for,
)
from ollama_lsp.families._prompt import build_prompt, uses_fim
from ollama_lsp.families._table import FAMILIES, Family, family_for, special_tokens

__all__ = [
    "CURSOR_MARKER",
    "EDIT_FORMATS",
    "FAMILIES",
    "REGION_END",
    "REGION_START",
    "START_OF_FILE",
    "EditContext",
    "EditEvent",
    "EditFormat",
    "EditPrompt",
    "Family",
    "build_edit_prompt",
    "build_prompt",
    "comment_out",
    "edit_format_for",
    "family_for",
    "special_tokens",
    "uses_fim",
]
