"""The language server: LSP wiring, settings, logging and status around the features."""

from __future__ import annotations

from collections.abc import Iterable

from ollama_lsp.server.features import FEATURES, register_features
from ollama_lsp.server.server import OllamaLanguageServer, guarded, guarded_notification
from ollama_lsp.server.settings import Settings, parse_settings

__all__ = [
    "FEATURES",
    "OllamaLanguageServer",
    "Settings",
    "create_server",
    "guarded",
    "guarded_notification",
    "parse_settings",
]


def create_server(exclude: Iterable[str] = ()) -> OllamaLanguageServer:
    """A server with every feature of :data:`FEATURES` registered, except ``exclude``."""
    server = OllamaLanguageServer()
    register_features(server, exclude)
    return server
