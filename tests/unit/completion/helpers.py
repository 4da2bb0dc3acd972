"""A code context from a document with ``|`` at the cursor."""

from __future__ import annotations

from ollama_lsp.context import CodeContext


def at(document: str, language: str = "python") -> CodeContext:
    """The context of ``document`` at its ``|`` (removed)."""
    prefix, suffix = document.split("|", 1)
    return CodeContext(prefix, suffix, language, "file")
