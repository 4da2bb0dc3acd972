"""Code context for completion: the text around the cursor, snippets, and what stays private.

Pure functions over text: nothing here reads files or talks to a server.
"""

from ollama_lsp.context._builder import ContextBuilder
from ollama_lsp.context._edits import EditTracker, edit_snippets
from ollama_lsp.context._exclusion import (
    DEFAULT_DENY_GLOBS,
    is_excluded,
    path_from_uri,
    relative_path,
)
from ollama_lsp.context._secrets import is_credential_file, redact_secrets
from ollama_lsp.context._similarity import SimilarityIndex, identifiers
from ollama_lsp.context._types import CodeContext, Document, EditedRange, LineEdit, Snippet
from ollama_lsp.context._window import CHARS_PER_TOKEN, cut_window, estimate_tokens

__all__ = [
    "CHARS_PER_TOKEN",
    "DEFAULT_DENY_GLOBS",
    "CodeContext",
    "ContextBuilder",
    "Document",
    "EditTracker",
    "EditedRange",
    "LineEdit",
    "SimilarityIndex",
    "Snippet",
    "cut_window",
    "edit_snippets",
    "estimate_tokens",
    "identifiers",
    "is_credential_file",
    "is_excluded",
    "path_from_uri",
    "redact_secrets",
    "relative_path",
]
