"""The services the features share, created in one place and handed to each feature.

A feature's ``register(server, ...)`` names the services it uses as typed parameters
(``register(server: OllamaLanguageServer, backend: Backend, store: ModelStore)``), and
:meth:`Services.register` passes them by type, as esbonio's ``esbonio_setup`` does. Every
service exists before any feature registers, so features can be registered in any order, and
each one can be left out (``--exclude-feature``) without the others noticing.

The services' own life cycle is wired here too, in the order it must run: settings reach the
backend first (a client, a configured pipeline), then the memory manager; at shutdown the role
models are unloaded while the client is still open, then pulls, store and client are closed.
"""

from __future__ import annotations

import inspect
import logging
import typing
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from ollama_lsp.completion.pipeline import CompletionPipeline
from ollama_lsp.nextedit import NextEditEngine
from ollama_lsp.server.backend import Backend
from ollama_lsp.server.downloads import DownloadQueue
from ollama_lsp.server.memory import AdaptationLog, FitCheck, PressureMonitor, RoleUsage
from ollama_lsp.server.outcomes import SuggestionOutcomes
from ollama_lsp.server.server import OllamaLanguageServer
from ollama_lsp.server.speeds import SpeedKeeper
from ollama_lsp.server.switching import ChosenModels
from ollama_lsp.store import ModelStore

__all__ = ["Services", "create_services"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Services:
    """One server's shared services, one of each type."""

    backend: Backend
    pipeline: CompletionPipeline
    next_edits: NextEditEngine
    store: ModelStore
    downloads: DownloadQueue
    chosen: ChosenModels
    fit: FitCheck
    usage: RoleUsage
    monitor: PressureMonitor
    adaptations: AdaptationLog
    outcomes: SuggestionOutcomes

    def provide(self, wanted: type[Any]) -> Any:
        """The one service of type ``wanted``."""
        found = [getattr(self, f.name) for f in fields(self)]
        matches = [service for service in found if isinstance(service, wanted)]
        if len(matches) != 1:
            raise TypeError(f"{len(matches)} services of type {wanted.__name__}")
        return matches[0]

    def register(self, server: OllamaLanguageServer, setup: Callable[..., None]) -> None:
        """Call ``setup(server, *services)`` with the services its parameters' types name."""
        hints = typing.get_type_hints(setup)
        names = list(inspect.signature(setup).parameters)[1:]
        try:
            services = [self.provide(hints[name]) for name in names]
        except (KeyError, TypeError) as exc:
            where = f"{setup.__module__}.{setup.__qualname__}"
            raise TypeError(f"{where}: every parameter after the server names a service") from exc
        setup(server, *services)


def create_services(server: OllamaLanguageServer) -> Services:
    """Create the services of ``server`` and wire their settings and shutdown hooks."""
    store = ModelStore.open()  # honours OLLAMA_LSP_STORE
    for notice in store.notices:
        log.warning("%s", notice)
    backend = Backend(server)
    speeds = SpeedKeeper(server, store, backend.pipeline.speeds)
    adaptations = AdaptationLog()
    usage = RoleUsage(server, backend, adaptations)
    backend.pipeline.add_observer(usage)
    backend.next_edits.add_observer(usage)
    monitor = PressureMonitor(server, backend, usage, adaptations)
    chosen = ChosenModels()
    services = Services(
        backend=backend,
        pipeline=backend.pipeline,
        next_edits=backend.next_edits,
        store=store,
        downloads=DownloadQueue(backend.ollama_at, store),
        chosen=chosen,
        fit=FitCheck(server, backend),
        usage=usage,
        monitor=monitor,
        adaptations=adaptations,
        outcomes=SuggestionOutcomes(server, store),
    )
    server.settings_overrides.append(chosen)
    server.on_settings(backend.settings_changed)
    server.on_settings(usage.settings_changed)
    server.on_settings(monitor.settings_changed)
    server.on_shutdown(lambda ls: _shut_down(ls, services, speeds))
    return services


async def _shut_down(ls: OllamaLanguageServer, services: Services, speeds: SpeedKeeper) -> None:
    try:
        if ls.settings.memory.unload_on_shutdown:
            await services.usage.unload_all()
    finally:
        await services.downloads.aclose()  # their last records go to the store
        speeds.flush()
        await services.outcomes.flush()
        services.store.close()
        await services.backend.aclose()
