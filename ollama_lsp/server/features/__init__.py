"""Server features: one module per job, each with a ``register(server, ...)`` function.

A feature's ``register`` takes the server and then the services it uses, by type (see
:mod:`ollama_lsp.server.services`); its handlers and command bodies are module-level functions
that take those services as arguments, so a test can call them directly.

:data:`FEATURES` lists the modules; add a module name here to add a feature. The order does
not matter. ``register_features(server, services, names)`` registers some of them (leaving
one out is useful to isolate a bug).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ollama_lsp.server.server import OllamaLanguageServer
    from ollama_lsp.server.services import Services

__all__ = ["FEATURES", "register_features"]

FEATURES: tuple[str, ...] = (
    "lifecycle",
    "documents",
    "inline_completion",
    "completion",
    "next_edit",
    "installed",
    "switch",
    "pull",
    "chat",
    "quantization",
    "benchmark",
    "outcomes",
    "status",
)


def register_features(
    server: OllamaLanguageServer, services: Services, names: Iterable[str] = FEATURES
) -> None:
    """Import each feature module of ``names`` and register it with the services it asks for."""
    for name in names:
        module = importlib.import_module(f"{__name__}.{name}")
        services.register(server, module.register)
