"""Memory management: fit checks before loads, idle unloads and the memory-pressure monitor.

`server.memory` is a :class:`MemoryManager`. A background task samples available memory every
`memory.sampleSeconds` (one psutil call; `/api/ps` is read only near pressure) and:

- unloads the completion model (`keep_alive: 0`) after `memory.idleUnloadSeconds` without
  completion requests (it loads again on the next one);
- feeds the reading to `ollama_lsp.models.memory.decide` and applies what it returns: a
  smaller num_ctx for the pipeline, an unload of the idle role, a message suggesting a smaller
  level. Every adaptation is logged and kept (the last 50) for `ollama.status`.

Other features call `check_fit` / `ensure_fits` before loading a model and `chat_finished`
after a chat answer (the chat model is unloaded when memory is tight).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import attrs
import psutil
from lsprotocol import types
from pygls.exceptions import JsonRpcInternalError

from ollama_lsp.models import (
    Adaptation,
    FitResult,
    GpuInfo,
    Hardware,
    MemoryReading,
    MemoryState,
    PressurePolicy,
    RestoreContext,
    Role,
    RoleState,
    ShrinkContext,
    SuggestSmallerLevel,
    UnloadRole,
    check_fit,
    decide,
    detect_hardware,
    find_entry,
    format_parameter_count,
    normalize_name,
    split_tag,
)
from ollama_lsp.models.benchmark import installed_levels
from ollama_lsp.ollama import AiError, OllamaClient
from ollama_lsp.server.server import OllamaLanguageServer
from ollama_lsp.server.settings import MemorySettings, Settings

__all__ = [
    "HARDWARE_ENV",
    "MEMORY_PROBE_ENV",
    "AdaptationRecord",
    "MemoryManager",
    "configured_hardware",
    "memory_of",
    "register",
]

log = logging.getLogger(__name__)

HARDWARE_ENV = "OLLAMA_LSP_HARDWARE"
"""JSON (or a JSON file's path) replacing hardware detection (a remote Ollama, tests)."""
MEMORY_PROBE_ENV = "OLLAMA_LSP_MEMORY_PROBE"
"""Path of a JSON file `{"available": n, "total": n}` read instead of psutil (tests)."""
_KEPT_ADAPTATIONS = 50
_ROLES: tuple[Role, ...] = ("completion", "chat")

MemoryProbe = Callable[[], MemoryReading]


def _int(raw: Mapping[str, Any], key: str, default: int | None = None) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{HARDWARE_ENV}: {key} must be a number of bytes")
    return int(value)


def configured_hardware() -> Hardware | None:
    """The hardware `OLLAMA_LSP_HARDWARE` describes, or None when it is unset."""
    text = os.environ.get(HARDWARE_ENV, "").strip()
    if not text:
        return None
    if not text.startswith("{"):  # the path of a JSON file
        with open(text, encoding="utf-8") as file:
            text = file.read()
    raw = json.loads(text)
    gpus = tuple(
        GpuInfo(str(g.get("name", "GPU")), _int(g, "totalBytes"), _int(g, "freeBytes"))
        for g in raw.get("gpus", ())
    )
    total = _int(raw, "totalRam")
    return Hardware(
        total_ram=total,
        available_ram=_int(raw, "availableRam", total),
        gpus=gpus,
        unified_memory=bool(raw.get("unifiedMemory", False)),
    )


def _system_reading() -> MemoryReading:
    path = os.environ.get(MEMORY_PROBE_ENV)
    if path:
        with open(path, encoding="utf-8") as file:
            raw = json.load(file)
        return MemoryReading(available=int(raw["available"]), total=int(raw["total"]))
    memory = psutil.virtual_memory()
    return MemoryReading(available=memory.available, total=memory.total)


@dataclass(frozen=True, slots=True)
class AdaptationRecord:
    """One adaptation as `ollama.status` shows it."""

    at: str
    kind: str
    message: str
    role: str | None = None
    model: str | None = None
    from_ctx: int | None = None
    to_ctx: int | None = None
    suggested_tag: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"at": self.at, "kind": self.kind, "message": self.message}
        extra = {
            "role": self.role,
            "model": self.model,
            "fromCtx": self.from_ctx,
            "toCtx": self.to_ctx,
            "suggestedTag": self.suggested_tag,
        }
        out.update({k: v for k, v in extra.items() if v is not None})
        return out


def _policy(settings: MemorySettings) -> PressurePolicy:
    return PressurePolicy(
        num_ctx_floor=settings.num_ctx_floor,
        cooldown_seconds=settings.cooldown_seconds,
        restore_after_seconds=settings.restore_after_seconds,
        min_idle_seconds=settings.min_idle_seconds,
    )


@dataclass(frozen=True, slots=True)
class _Details:
    parameter_size: str | None
    quantization_level: str | None


class MemoryManager:
    """Fit checks, idle unloads and pressure adaptations for one server."""

    def __init__(
        self,
        server: OllamaLanguageServer,
        *,
        probe: MemoryProbe = _system_reading,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.server = server
        self.probe = probe
        self.clock = clock
        self.adaptations: deque[AdaptationRecord] = deque(maxlen=_KEPT_ADAPTATIONS)
        self.reading: MemoryReading | None = None
        self.state = MemoryState(
            num_ctx=server.settings.completion.num_ctx,
            configured_num_ctx=server.settings.completion.num_ctx,
        )
        now = clock()
        self.last_used: dict[Role, float] = {"completion": now, "chat": now}
        self.loaded: dict[Role, bool] = {"completion": True, "chat": False}
        self._requests_seen = 0
        self._task: asyncio.Task[Any] | None = None

    # -- settings ---------------------------------------------------------------------------

    @property
    def settings(self) -> MemorySettings:
        return self.server.settings.memory

    def model_of(self, role: Role) -> str:
        settings = self.server.settings
        return settings.completion.model if role == "completion" else settings.chat.model

    def num_ctx_of(self, role: Role) -> int:
        if role == "completion":
            return self.state.num_ctx
        return int(getattr(self.server.settings.chat, "num_ctx", 4096))

    def settings_changed(self, new: Settings, old: Settings) -> None:
        """Adopt a new configured num_ctx; re-apply a shrunk one over the pipeline's reset."""
        configured = new.completion.num_ctx
        if configured != self.state.configured_num_ctx:
            self.state = replace(self.state, num_ctx=configured, configured_num_ctx=configured)
        if new.completion.model != old.completion.model or not self.server.ready.is_set():
            self.note_used("completion")  # the backend loads it now
        if not new.completion.enabled:
            self.loaded["completion"] = False
        self._apply_num_ctx()
        if new.memory.monitor and self._task is None:
            self._task = self.server.spawn(self.run(), "memory monitor")
        elif not new.memory.monitor and self._task is not None:
            self._task.cancel()
            self._task = None

    def _apply_num_ctx(self) -> None:
        pipeline = self.server.pipeline
        settings = self.server.settings.completion
        if pipeline is None or pipeline.settings.num_ctx == self.state.num_ctx:
            return
        pipeline.configure(
            attrs.evolve(settings, num_ctx=self.state.num_ctx),
            self.server.provider,
            self.server.workspace.root_path,
        )

    # -- hardware and fit -------------------------------------------------------------------

    async def hardware(self) -> Hardware:
        """`OLLAMA_LSP_HARDWARE` if set, else detection (in a thread: nvidia-smi may block)."""
        configured = configured_hardware()
        return configured if configured is not None else await asyncio.to_thread(detect_hardware)

    async def check_fit(self, model: str, role: Role, *, source: str | None = None) -> FitResult:
        """Whether `model` fits for `role`; `source` (an installed level) gives the shape.

        The role's current model is counted as free: loading the new one replaces it.
        """
        client = self._client()
        hardware = await self.hardware()
        summaries = {normalize_name(m.name): m for m in await client.list_models()}
        running = await client.running()
        current = normalize_name(self.model_of(role))
        freed = sum(m.size - m.size_vram for m in running if normalize_name(m.name) == current)
        hardware = replace(
            hardware, available_ram=min(hardware.total_ram, hardware.available_ram + freed)
        )
        installed = summaries.get(normalize_name(model))
        details: Any
        size: int | None = None
        model_info: Mapping[str, object] | None = None
        if installed is not None:
            info = await client.show(model)
            details, size, model_info = info.details, installed.size, info.model_info
        else:
            level = split_tag(model).level
            names = [m.name for m in summaries.values()]
            shape = source or next((v.tag for v in installed_levels(model, names)), None)
            if shape is not None:
                info = await client.show(shape)
                details = _Details(info.details.parameter_size, level.name if level else None)
                model_info = info.model_info
            else:
                known = find_entry(model)
                if known is None:
                    raise ValueError(f"cannot size {model}: not installed and not in the catalog")
                entry, _ = known
                details = _Details(
                    format_parameter_count(entry.parameter_count), level.name if level else None
                )
        return check_fit(
            model,
            details,
            hardware,
            num_ctx=self.num_ctx_of(role),
            size_bytes=size,
            model_info=model_info,
        )

    async def ensure_fits(self, model: str, role: Role, *, source: str | None = None) -> None:
        """Refuse (a JSON-RPC error with the fit message) a model that would not fit."""
        if not self.settings.check_fit:
            return
        try:
            result = await self.check_fit(model, role, source=source)
        except ValueError as exc:
            log.info("fit check skipped: %s", exc)
            return
        log.info("fit check: %s", result.message)
        if not result.fits:
            raise JsonRpcInternalError(result.message)

    # -- use and unloads --------------------------------------------------------------------

    def note_used(self, role: Role) -> None:
        """A role's model just served a request (so it is loaded and not idle)."""
        self.last_used[role] = self.clock()
        self.loaded[role] = True

    async def chat_finished(self, model: str) -> None:
        """After a chat answer: unload the chat model if memory is tight."""
        self.note_used("chat")
        if not self.settings.unload_chat_when_tight:
            return
        reading = self.probe()
        _, high = _policy(self.settings).watermarks(reading.total)
        if reading.available >= high or model == self.model_of("completion"):
            return
        await self._unload(
            "chat",
            model,
            "chatUnload",
            "Memory is tight: unloaded the chat "
            f"model {model} after its answer; it loads again when next used.",
        )

    async def unload_ours(self) -> None:
        """On shutdown: unload the role models that are loaded (`memory.unloadOnShutdown`).

        Uses a client of its own: the backend may have closed the shared one already.
        """
        if self.server.client is None:
            return
        async with OllamaClient(self.server.client.settings) as client:
            running = {normalize_name(m.name) for m in await client.running()}
            for model in {self.model_of(role) for role in _ROLES}:
                if normalize_name(model) in running:
                    await client.unload(model)
                    log.info("unloaded %s on shutdown", model)

    async def _unload(self, role: Role, model: str, kind: str, message: str) -> None:
        await self._client().unload(model)
        for other in _ROLES:
            if self.model_of(other) == model:
                self.loaded[other] = False
        self._record(AdaptationRecord(_now(), kind, message, role=role, model=model))

    def _client(self) -> OllamaClient:
        if self.server.client is None:
            raise JsonRpcInternalError("ollama-lsp is not connected to Ollama yet.")
        return self.server.client

    def _record(self, record: AdaptationRecord) -> None:
        self.adaptations.append(record)
        log.info("memory: %s", record.message)

    # -- the monitor ------------------------------------------------------------------------

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
        """One step: note activity, unload an idle completion model, apply the policy."""
        now = self.clock()
        pipeline = self.server.pipeline
        if pipeline is not None and pipeline.stats.requests != self._requests_seen:
            self._requests_seen = pipeline.stats.requests
            self.note_used("completion")
        await self._idle_unload(now)
        reading = self.probe()
        self.reading = reading
        policy = _policy(self.settings)
        _, high = policy.watermarks(reading.total)
        if reading.available < high and self.server.client is not None:
            await self._refresh_loaded()
        roles = tuple(
            RoleState(
                role=role,
                model=self.model_of(role),
                loaded=self.loaded[role],
                idle_seconds=now - self.last_used[role],
                level=_level_name(self.model_of(role)),
            )
            for role in _ROLES
        )
        decision = decide(replace(self.state, roles=roles), reading, now, policy)
        self.state = decision.state
        for adaptation in decision.adaptations:
            await self._apply(adaptation)
        return decision.adaptations

    async def _idle_unload(self, now: float) -> None:
        limit = self.settings.idle_unload_seconds
        idle = now - self.last_used["completion"]
        if limit <= 0 or not self.loaded["completion"] or idle < limit:
            return
        model = self.model_of("completion")
        await self._unload(
            "completion",
            model,
            "idleUnload",
            f"Unloaded the completion model {model} after {idle:.0f} s without typing; "
            "it loads again on the next completion.",
        )

    async def _refresh_loaded(self) -> None:
        running = {normalize_name(m.name) for m in await self._client().running()}
        for role in _ROLES:
            self.loaded[role] = normalize_name(self.model_of(role)) in running

    async def _apply(self, adaptation: Adaptation) -> None:
        now = _now()
        if isinstance(adaptation, ShrinkContext | RestoreContext):
            kind = "shrinkContext" if isinstance(adaptation, ShrinkContext) else "restoreContext"
            self._apply_num_ctx()
            self._record(
                AdaptationRecord(
                    now,
                    kind,
                    adaptation.message,
                    role="completion",
                    from_ctx=adaptation.from_ctx,
                    to_ctx=adaptation.to_ctx,
                )
            )
        elif isinstance(adaptation, UnloadRole):
            await self._unload(adaptation.role, adaptation.model, "unloadRole", adaptation.message)
        elif isinstance(adaptation, SuggestSmallerLevel):
            self.server.status.show(f"ollama-lsp: {adaptation.message}", types.MessageType.Warning)
            self._record(
                AdaptationRecord(
                    now,
                    "suggestSmallerLevel",
                    adaptation.message,
                    model=adaptation.model,
                    suggested_tag=adaptation.suggested_tag,
                )
            )

    def snapshot(self) -> dict[str, Any]:
        """The `memory` object of `ollama.status`."""
        now = self.clock()
        reading = self.reading
        return {
            "monitoring": self._task is not None and not self._task.done(),
            "available": reading.available if reading else None,
            "total": reading.total if reading else None,
            "underPressure": self.state.under_pressure,
            "numCtx": self.state.num_ctx,
            "configuredNumCtx": self.state.configured_num_ctx,
            "roles": {
                role: {
                    "model": self.model_of(role),
                    "loaded": self.loaded[role],
                    "idleSeconds": round(now - self.last_used[role], 1),
                }
                for role in _ROLES
            },
            "adaptations": [record.to_json() for record in self.adaptations],
        }


def _level_name(model: str) -> str | None:
    level = split_tag(model).level
    return level.name if level else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def memory_of(server: OllamaLanguageServer) -> MemoryManager | None:
    """The server's memory manager (`server.memory`), if the feature is registered."""
    manager = getattr(server, "memory", None)
    return manager if isinstance(manager, MemoryManager) else None


def register(server: OllamaLanguageServer) -> None:
    manager = MemoryManager(server)
    setattr(server, "memory", manager)  # noqa: B010 - the attribute other features read
    server.on_settings(manager.settings_changed)

    @server.on_shutdown
    async def unload_on_shutdown(ls: OllamaLanguageServer) -> None:
        if ls.settings.memory.unload_on_shutdown:
            await manager.unload_ours()
