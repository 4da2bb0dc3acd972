"""``ollama.status``: endpoints, models, roles, memory, the last errors and what became of the
suggestions shown, in one answer.

It never fails for a stopped Ollama: that is what the user wants to find out.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

import psutil

from ollama_lsp.errors import AiError
from ollama_lsp.models import ROLES
from ollama_lsp.server.backend import Backend
from ollama_lsp.server.commands import Args, register_command
from ollama_lsp.server.memory import AdaptationLog, PressureMonitor, RoleUsage
from ollama_lsp.server.outcomes import SuggestionOutcomes, summary
from ollama_lsp.server.server import OllamaLanguageServer
from ollama_lsp.store import ModelStore

__all__ = ["register", "status"]

log = logging.getLogger(__name__)


async def status(
    ls: OllamaLanguageServer,
    args: Args,
    backend: Backend,
    store: ModelStore,
    monitor: PressureMonitor,
    usage: RoleUsage,
    adaptations: AdaptationLog,
    outcomes: SuggestionOutcomes,
) -> dict[str, Any]:
    client = backend.client
    health = await client.health()
    models: list[str] = []
    running: list[str] = []
    if any(endpoint.healthy for endpoint in health):
        try:
            models = [s.name for s in await client.list_models()]
            running = [m.name for m in await client.running()]
        except AiError as error:
            log.info("status: %s", error.message)
    reading = psutil.virtual_memory()
    memory: dict[str, Any] = {
        "totalBytes": reading.total,
        "availableBytes": reading.available,
        **monitor.to_json(),
        "roles": usage.to_json(),
        "adaptations": adaptations.to_json(),
    }
    return {
        "state": ls.status.current.state,
        "endpoints": [
            {"url": e.url, "healthy": e.healthy, "version": e.version, "error": e.error}
            for e in health
        ],
        "models": models,
        "runningModels": running,
        "roles": {role: ls.settings.model_for(role) for role in ROLES},
        "memory": memory,
        "lastErrors": [
            {"kind": kind, "message": message} for kind, message in ls.status.last_errors.items()
        ],
        "store": str(store.path) if store.path else None,
        "suggestions": summary(await outcomes.counts()),
    }


def register(
    server: OllamaLanguageServer,
    backend: Backend,
    store: ModelStore,
    monitor: PressureMonitor,
    usage: RoleUsage,
    adaptations: AdaptationLog,
    outcomes: SuggestionOutcomes,
) -> None:
    answer = partial(
        status,
        backend=backend,
        store=store,
        monitor=monitor,
        usage=usage,
        adaptations=adaptations,
        outcomes=outcomes,
    )
    register_command(server, "ollama.status", answer)
