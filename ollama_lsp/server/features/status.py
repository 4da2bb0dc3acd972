"""``ollama.status``: endpoints, models, roles, memory, next edits, the last errors and what
became of the suggestions shown, in one answer.

Each endpoint comes with what it has loaded, its latency (time to first token, a moving
average of this server's requests) and its share of them: how the router spreads the work.
It never fails for a stopped Ollama: that is what the user wants to find out.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

import psutil

from ollama_lsp.errors import AiError
from ollama_lsp.models import ROLES
from ollama_lsp.providers import EndpointReport
from ollama_lsp.server.backend import Backend
from ollama_lsp.server.commands import Args, register_command
from ollama_lsp.server.memory import AdaptationLog, PressureMonitor, RoleUsage
from ollama_lsp.server.outcomes import SuggestionOutcomes, summary
from ollama_lsp.server.server import OllamaLanguageServer
from ollama_lsp.store import ModelStore

__all__ = ["endpoint_json", "register", "status"]

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
    reports = await backend.fleet.report()
    client = backend.client
    models: list[str] = []
    running: list[str] = []
    if any(report.healthy for report in reports):
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
        "endpoints": [endpoint_json(report) for report in reports],
        "models": models,
        "runningModels": running,
        "roles": {role: ls.settings.model_for(role) for role in ROLES},
        "memory": memory,
        "nextEdit": _next_edit(backend),
        "lastErrors": [
            {"kind": kind, "message": message} for kind, message in ls.status.last_errors.items()
        ],
        "lastSuggestion": _last_suggestion(ls),
        "completionSpeeds": _speeds(backend, ls.settings.completion.model),
        "store": str(store.path) if store.path else None,
        "suggestions": summary(await outcomes.counts()),
    }


def endpoint_json(report: EndpointReport) -> dict[str, Any]:
    """One endpoint of the status: the probe's verdict and what the router knows of it."""
    routing = report.routing
    return {
        "url": report.url,
        "api": report.api,
        "healthy": report.healthy,
        "version": report.version,
        "error": report.error,
        "loadedModels": list(routing.loaded),
        "latencyMs": routing.latency_ms,
        "probeMs": report.probe_ms,
        "inFlight": routing.in_flight,
        "requests": routing.requests,
        "share": routing.share,
    }


def _last_suggestion(ls: OllamaLanguageServer) -> dict[str, Any] | None:
    """What the last suggestion the model wrote cost."""
    last = ls.status.last_suggestion
    if last is None:
        return None
    return {
        "model": last.model,
        "ms": round(last.elapsed_ms),
        "tokensPerSecond": last.tokens_per_second,
        "cachedShare": last.cached_share,
    }


def _speeds(backend: Backend, model: str) -> dict[str, Any]:
    """The completion model's learned speeds (the prompt budget is sized with them)."""
    speeds = backend.pipeline.speeds.get(model)
    return {
        "promptTokensPerSecond": round(speeds.prompt_tps, 1),
        "evalTokensPerSecond": round(speeds.eval_tps, 1),
        "charsPerToken": round(speeds.chars_per_token, 2),
        "measured": speeds.prompt_samples + speeds.eval_samples > 0,
    }


def _next_edit(backend: Backend) -> dict[str, int]:
    """How next edits fared: asked, shown, accepted, dismissed, generated."""
    stats = backend.next_edits.stats
    return {
        "requests": stats.requests,
        "predictions": stats.predictions,
        "accepted": stats.accepted,
        "dismissed": stats.dismissed,
        "generations": stats.generations,
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
