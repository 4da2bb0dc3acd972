"""Which role models are loaded and when each last served a request; unloading them.

The completion pipeline and the next-edit engine tell :class:`RoleUsage` about every request
(it observes both), so the idle clocks of their models need no polling.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ollama_lsp.completion.pipeline import PipelineObserver
from ollama_lsp.models import ROLES, Role, RoleState, normalize_name, split_tag
from ollama_lsp.nextedit import NextEditObserver
from ollama_lsp.server.backend import Backend
from ollama_lsp.server.memory.adaptations import AdaptationLog, AdaptationRecord
from ollama_lsp.settings import Settings

if TYPE_CHECKING:
    from ollama_lsp.server.server import OllamaLanguageServer

__all__ = ["RoleUsage"]

log = logging.getLogger(__name__)


def _level_name(model: str) -> str | None:
    level = split_tag(model).level
    return level.name if level else None


class RoleUsage(PipelineObserver, NextEditObserver):
    """Loaded or not, and idle since when, for each role's model (next edit's when it has one)."""

    def __init__(
        self,
        server: OllamaLanguageServer,
        backend: Backend,
        adaptations: AdaptationLog,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._server = server
        self._backend = backend
        self._adaptations = adaptations
        self.clock = clock
        now = clock()
        self.last_used: dict[Role, float] = dict.fromkeys(ROLES, now)
        self.loaded: dict[Role, bool] = {role: role == "completion" for role in ROLES}

    def completion_requested(self) -> None:
        self.note_used("completion")

    def requested(self) -> None:
        """A next edit was asked for: its model is loaded by the request."""
        self.note_used("nextEdit")

    def note_used(self, role: Role) -> None:
        """A role's model just served a request (so it is loaded and not idle)."""
        self.last_used[role] = self.clock()
        self.loaded[role] = True

    def settings_changed(self, new: Settings, old: Settings) -> None:
        if new.completion.model != old.completion.model or not self._server.ready.is_set():
            self.note_used("completion")  # the backend loads it now
        if not new.completion.enabled:
            self.loaded["completion"] = False
        if new.next_edit.model != old.next_edit.model:
            self.loaded["nextEdit"] = False  # loaded by its first request

    def states(self, now: float) -> tuple[RoleState, ...]:
        """Each role as the memory-pressure policy sees it."""
        settings = self._server.settings
        return tuple(
            RoleState(
                role=role,
                model=settings.model_for(role),
                loaded=self.loaded[role],
                idle_seconds=now - self.last_used[role],
                level=_level_name(settings.model_for(role)),
            )
            for role in ROLES
        )

    async def unload(self, role: Role, model: str, kind: str, message: str) -> None:
        """Unload ``model`` (``keep_alive: 0``) and record why."""
        await self._backend.client_for(model).unload(model)
        for other in ROLES:
            if self._server.settings.model_for(other) == model:
                self.loaded[other] = False
        self._adaptations.record(AdaptationRecord(kind, message, role=role, model=model))

    async def unload_idle_completion(self, now: float) -> None:
        """Unload the completion model after ``memory.idleUnloadSeconds`` without a request."""
        limit = self._server.settings.memory.idle_unload_seconds
        idle = now - self.last_used["completion"]
        if limit <= 0 or not self.loaded["completion"] or idle < limit:
            return
        model = self._server.settings.completion.model
        await self.unload(
            "completion",
            model,
            "idleUnload",
            f"Unloaded the completion model {model} after {idle:.0f} s without typing; "
            "it loads again on the next completion.",
        )

    async def refresh_loaded(self) -> None:
        """Learn from ``/api/ps`` which role models are really loaded."""
        running = {normalize_name(m.name) for m in await self._backend.client.running()}
        for role in ROLES:
            self.loaded[role] = normalize_name(self._server.settings.model_for(role)) in running

    async def unload_all(self) -> None:
        """Unload the role models that are loaded (``memory.unloadOnShutdown``)."""
        if not self._backend.connected:
            return
        for model in {self._server.settings.model_for(role) for role in ROLES}:
            if not model:
                continue
            client = self._backend.client_for(model)
            if normalize_name(model) in {normalize_name(m.name) for m in await client.running()}:
                await client.unload(model)
                log.info("unloaded %s on shutdown", model)

    def to_json(self) -> dict[str, Any]:
        """The ``roles`` object of ``ollama.status``'s ``memory``."""
        now = self.clock()
        return {
            role: {
                "model": self._server.settings.model_for(role),
                "loaded": self.loaded[role],
                "idleSeconds": round(now - self.last_used[role], 1),
            }
            for role in ROLES
        }
