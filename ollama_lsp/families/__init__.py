"""Per-model-family prompt rules: FIM templates, stop tokens, context lengths."""

from ollama_lsp.families._comments import comment_out
from ollama_lsp.families._prompt import build_prompt, uses_fim
from ollama_lsp.families._table import FAMILIES, Family, family_for, special_tokens

__all__ = [
    "FAMILIES",
    "Family",
    "build_prompt",
    "comment_out",
    "family_for",
    "special_tokens",
    "uses_fim",
]
