"""Loaded models: keep-alive timers, a memory budget, eviction, cold loads (Ollama's sched.go)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ._config import EmulatorConfig
from ._durations import FOREVER
from ._recording import Counters
from ._store import InstalledModel

__all__ = ["LoadError", "LoadedModel", "Scheduler", "human_bytes"]


class LoadError(Exception):
    """A load failed; the request answers ``status`` with ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def human_bytes(size: int) -> str:
    """Ollama's ``format.HumanBytes2`` (binary units, one decimal)."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.1f} {unit}" if unit != "B" else f"{int(value)} B"
        value /= 1024
    raise AssertionError("unreachable")


@dataclass
class LoadedModel:
    """A running "runner" with ``num_parallel`` slots, each with the KV cache of the last
    prompt it evaluated (``caches``, as tokens)."""

    model: InstalledModel
    size: int
    size_vram: int
    num_ctx: int
    expires_ns: int = 0
    refs: int = 0
    last_used: float = field(default_factory=time.monotonic)
    caches: list[list[str]] = field(default_factory=lambda: [[]])
    busy: set[int] = field(default_factory=set)
    timer: asyncio.TimerHandle | None = None
    slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))

    def claim(self, prompt: list[str]) -> int:
        """A free slot for ``prompt``: the one whose cache shares the longest prefix with it,
        as Ollama's runner and llama.cpp's server choose (hold ``slots`` first)."""

        def shared(index: int) -> int:
            count = 0
            for cached, new in zip(self.caches[index], prompt, strict=False):
                if cached != new:
                    break
                count += 1
            return count

        free = [i for i in range(len(self.caches)) if i not in self.busy]
        best = max(free, key=shared)
        self.busy.add(best)
        return best


class Scheduler:
    """Only touched from the server's event loop."""

    def __init__(self, config: EmulatorConfig, counters: Callable[[], Counters]) -> None:
        self.config = config
        self._counters = counters
        self.loaded: dict[str, LoadedModel] = {}

    def _used(self, exclude: str | None = None) -> int:
        return sum(m.size for key, m in self.loaded.items() if key != exclude)

    async def acquire(
        self, model: InstalledModel, num_ctx: int | None, *, force_oom: bool = False
    ) -> tuple[LoadedModel, int]:
        """Load (or reuse) a runner for ``model``; returns it and the load time in ns."""
        started = time.perf_counter_ns()
        key = model.name.key
        # The runner's context never exceeds what the model was trained for.
        num_ctx = min(num_ctx or self.config.default_num_ctx, model.spec.context_length)
        current = self.loaded.get(key)
        if current is not None and current.num_ctx != num_ctx and current.refs == 0:
            self.unload(key)  # runner options changed: reload
            current = None
        if current is None:
            current = await self._load(model, num_ctx, force_oom)
        current.refs += 1
        current.last_used = time.monotonic()
        if current.timer is not None:
            current.timer.cancel()
            current.timer = None
        return current, max(time.perf_counter_ns() - started, 1)

    async def _load(self, model: InstalledModel, num_ctx: int, force_oom: bool) -> LoadedModel:
        size = model.spec.memory_size(num_ctx)
        budget = self.config.memory_bytes
        if not force_oom:
            self._evict_for(size)
        available = budget - self._used()
        if force_oom or size > available or len(self.loaded) >= self.config.max_loaded_models:
            # GUESS: Ollama would queue behind busy runners; the emulator fails at once.
            raise LoadError(
                500,
                f"model requires more system memory ({human_bytes(size)}) than is available "
                f"({human_bytes(max(available, 0))})",
            )
        if self.config.load_seconds > 0:
            await asyncio.sleep(self.config.load_seconds)
        loaded = LoadedModel(model, size, min(size, self.config.vram_bytes), num_ctx)
        parallel = max(self.config.num_parallel, 1)
        loaded.slots = asyncio.Semaphore(parallel)
        loaded.caches = [[] for _ in range(parallel)]
        self.loaded[model.name.key] = loaded
        self._counters().loads += 1
        return loaded

    def _evict_for(self, size: int) -> None:
        """Unload idle runners, least recently used first, until ``size`` fits."""
        idle = sorted((m for m in self.loaded.values() if m.refs == 0), key=lambda m: m.last_used)
        for victim in idle:
            fits = self._used() + size <= self.config.memory_bytes
            if fits and len(self.loaded) < self.config.max_loaded_models:
                return
            self.unload(victim.model.name.key)
            self._counters().evictions += 1

    def release(self, loaded: LoadedModel, keep_alive: float | None) -> None:
        """The request is done: start the keep-alive timer (0 unloads now)."""
        loaded.refs = max(loaded.refs - 1, 0)
        if self.loaded.get(loaded.model.name.key) is not loaded:
            return  # unloaded meanwhile (its runner crashed)
        seconds = self.config.default_keep_alive if keep_alive is None else keep_alive
        self.set_expiry(loaded, seconds)

    def set_expiry(self, loaded: LoadedModel, seconds: float) -> None:
        if loaded.timer is not None:
            loaded.timer.cancel()
            loaded.timer = None
        key = loaded.model.name.key
        if seconds <= 0 and loaded.refs == 0:
            self.unload(key)
            return
        loaded.expires_ns = time.time_ns() + int(min(seconds, FOREVER) * 1e9)
        if seconds < FOREVER and loaded.refs == 0:
            loop = asyncio.get_running_loop()
            loaded.timer = loop.call_later(seconds, self._expire, key, loaded)

    def _expire(self, key: str, loaded: LoadedModel) -> None:
        if self.loaded.get(key) is loaded and loaded.refs == 0:
            self.unload(key)

    def unload(self, key: str) -> bool:
        loaded = self.loaded.pop(key, None)
        if loaded is None:
            return False
        if loaded.timer is not None:
            loaded.timer.cancel()
        self._counters().unloads += 1
        return True

    def running(self) -> list[LoadedModel]:
        """Longest remaining time first, as ``/api/ps`` sorts."""
        return sorted(self.loaded.values(), key=lambda m: m.expires_ns, reverse=True)
