"""Server features: one module per job, each with a ``register(server)`` function.

:data:`FEATURES` lists the modules in registration order; add a module name here to add a
feature. ``register_features(server, exclude=...)`` can leave some out (useful to isolate a bug).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ollama_lsp.server.server import OllamaLanguageServer

__all__ = ["FEATURES", "register_features"]

FEATURES: tuple[str, ...] = (
    "lifecycle",
    "backend",
    "documents",
    "inline_completion",
    "completion",
    "models",
    "pull",
    "chat",
    "memory",
    "quantization",
    "benchmark",
)


def register_features(server: OllamaLanguageServer, exclude: Iterable[str] = ()) -> None:
    """Import each feature module of :data:`FEATURES` not in ``exclude`` and register it."""
    skipped = set(exclude)
    for name in FEATURES:
        if name not in skipped:
            importlib.import_module(f"{__name__}.{name}").register(server)
