"""The memory-pressure monitor: sample available memory, apply what the policy decides.

A background task samples every ``memory.sampleSeconds`` (one psutil call; ``/api/ps`` only
near pressure), unloads the completion model after ``memory.idleUnloadSeconds`` without
requests, and feeds the reading to :func:`ollama_lsp.models.decide`: a smaller num_ctx goes to
the backend (the pipeline's one owner), an unload to :class:`RoleUsage`, a smaller-level
suggestion to the user.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import psutil
from lsprotocol import types

from ollama_lsp.errors import AiError
from ollama_lsp.models import (
    Adaptation,
    MemoryReading,
    MemoryState,
    PressurePolicy,
    RestoreContext,
    ShrinkContext,
    SuggestSmallerLevel,
    UnloadRole,
    decide,
)
from ollama_lsp.server.backend import Backend
from ollama_lsp.server.memory.adaptations import AdaptationLog, AdaptationRecord
from ollama_lsp.server.memory.usage import RoleUsage
from ollama_lsp.settings import MemorySettings, Settings

if TYPE_CHECKING:
    from ollama_lsp.server.server import OllamaLanguageServer

__all__ = ["MEMORY_PROBE_ENV", "MemoryProbe", "PressureMonitor", "system_reading"]

log = logging.getLogger(__name__)

MEMORY_PROBE_ENV = "OLLAMA_LSP_MEMORY_PROBE"
"""Path of a JSON file ``{"available": n, "total": n}`` read instead of psutil (tests)."""

MemoryProbe = Callable[[], MemoryReading]


def system_reading() -> MemoryReading:
    """Available and total memory now (``OLLAMA_LSP_MEMORY_PROBE`` when set)."""
    path = os.environ.get(MEMORY_PROBE_ENV)
    if path:
        with open(path, encoding="utf-8") as file:
            raw = json.load(file)
        return MemoryReading(available=int(raw["available"]), total=int(raw["total"]))
    memory = psutil.virtual_memory()
    return MemoryReading(available=memory.available, total=memory.total)


def _policy(settings: MemorySettings) -> PressurePolicy:
    return PressurePolicy(
        num_ctx_floor=settings.num_ctx_floor,
        cooldown_seconds=settings.cooldown_seconds,
        restore_after_seconds=settings.restore_after_seconds,
        min_idle_seconds=settings.min_idle_seconds,
    )


class PressureMonitor:
    """Samples memory in the background and adapts under pressure."""

    def __init__(
        self,
        server: OllamaLanguageServer,
        backend: Backend,
        usage: RoleUsage,
        adaptations: AdaptationLog,
        *,
        probe: MemoryProbe = system_reading,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._server = server
        self._backend = backend
        self._usage = usage
        self._adaptations = adaptations
        self.probe = probe
        self.clock = clock
        self.reading: MemoryReading | None = None
        configured = server.settings.completion.num_ctx
        self.state = MemoryState(num_ctx=configured, configured_num_ctx=configured)
        self._task: asyncio.Task[Any] | None = None

    @property
    def settings(self) -> MemorySettings:
        return self._server.settings.memory

    def settings_changed(self, new: Settings, old: Settings) -> None:
        """Adopt a new configured num_ctx; start or stop the sampling task."""
        configured = new.completion.num_ctx
        if configured != self.state.configured_num_ctx:
            self.state = replace(self.state, num_ctx=configured, configured_num_ctx=configured)
            self._backend.limit_num_ctx(None)
        if new.memory.monitor and self._task is None:
            self._task = self._server.spawn(self.run(), "memory monitor")
        elif not new.memory.monitor and self._task is not None:
            self._task.cancel()
            self._task = None

    async def run(self) -> None:
        """Sample until cancelled; a failing sample is logged and the loop goes on."""
        while True:
            await asyncio.sleep(self.settings.sample_seconds)
            try:
                await self.sample()
            except asyncio.CancelledError:
                raise
            except AiError as exc:
                log.debug("memory sample: %s", exc.message)
            except Exception:
                log.exception("memory sample failed")

    async def sample(self) -> tuple[Adaptation, ...]:
        """One step: unload an idle completion model, then apply the pressure policy."""
        now = self.clock()
        await self._usage.unload_idle_completion(now)
        reading = self.probe()
        self.reading = reading
        policy = _policy(self.settings)
        _, high = policy.watermarks(reading.total)
        if reading.available < high and self._backend.connected:
            await self._usage.refresh_loaded()
        state = replace(self.state, roles=self._usage.states(now))
        decision = decide(state, reading, now, policy)
        self.state = decision.state
        for adaptation in decision.adaptations:
            await self._apply(adaptation)
        return decision.adaptations

    async def _apply(self, adaptation: Adaptation) -> None:
        if isinstance(adaptation, ShrinkContext | RestoreContext):
            kind = "shrinkContext" if isinstance(adaptation, ShrinkContext) else "restoreContext"
            self._backend.limit_num_ctx(self.state.num_ctx)
            self._adaptations.record(
                AdaptationRecord(
                    kind,
                    adaptation.message,
                    role="completion",
                    from_ctx=adaptation.from_ctx,
                    to_ctx=adaptation.to_ctx,
                )
            )
        elif isinstance(adaptation, UnloadRole):
            await self._usage.unload(
                adaptation.role, adaptation.model, "unloadRole", adaptation.message
            )
        elif isinstance(adaptation, SuggestSmallerLevel):
            self._server.status.show(f"ollama-lsp: {adaptation.message}", types.MessageType.Warning)
            self._adaptations.record(
                AdaptationRecord(
                    "suggestSmallerLevel",
                    adaptation.message,
                    model=adaptation.model,
                    suggested_tag=adaptation.suggested_tag,
                )
            )

    async def chat_answered(self, model: str) -> None:
        """After a chat answer: unload the chat model if memory is tight."""
        self._usage.note_used("chat")
        if not self.settings.unload_chat_when_tight:
            return
        reading = self.probe()
        _, high = _policy(self.settings).watermarks(reading.total)
        if reading.available >= high or model == self._server.settings.completion.model:
            return
        await self._usage.unload(
            "chat",
            model,
            "chatUnload",
            "Memory is tight: unloaded the chat "
            f"model {model} after its answer; it loads again when next used.",
        )

    def to_json(self) -> dict[str, Any]:
        """The monitor's part of ``ollama.status``'s ``memory`` object."""
        reading = self.reading
        return {
            "monitoring": self._task is not None and not self._task.done(),
            "available": reading.available if reading else None,
            "total": reading.total if reading else None,
            "underPressure": self.state.under_pressure,
            "numCtx": self.state.num_ctx,
            "configuredNumCtx": self.state.configured_num_ctx,
        }
