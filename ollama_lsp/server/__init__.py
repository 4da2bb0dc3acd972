"""The language server: LSP wiring, settings, logging and status around the features."""

from __future__ import annotations

from collections.abc import Iterable

from ollama_lsp.server.features import FEATURES, register_features
from ollama_lsp.server.log import attach_client_log
from ollama_lsp.server.server import OllamaLanguageServer, guarded, guarded_notification
from ollama_lsp.server.services import Services, create_services

__all__ = [
    "FEATURES",
    "OllamaLanguageServer",
    "Services",
    "create_server",
    "guarded",
    "guarded_notification",
]


def create_server(
    features: Iterable[str] = FEATURES, *, exclude: Iterable[str] = ()
) -> OllamaLanguageServer:
    """A server with its services and every feature of ``features`` except ``exclude``."""
    server = OllamaLanguageServer()
    # What happens before the settings arrive (a bad first change, say) reaches the editor's
    # log too; the settings' logLevel re-levels it.
    attach_client_log(server, "info")
    services = create_services(server)
    skipped = set(exclude)
    register_features(server, services, [name for name in features if name not in skipped])
    return server
