"""Where a model's memory goes on a machine (GPU, unified, split, CPU) and how fast it runs.

The usable memory is what is free now, minus a reserve for everything else the user runs and
a margin for estimation error. Decode speed is estimated as memory bandwidth divided by the
bytes of weights read per token: rough, but it separates a usable completion model from one
that would make every suggestion arrive seconds late.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType

from .architecture import MemoryNeed
from .hardware import GIB, MIB, Hardware
from .roles import Role

__all__ = ["FitPolicy", "MemoryPool", "Placed", "Placement", "format_bytes", "place"]


def format_bytes(count: int | float) -> str:
    """`3.8 GiB`, `512 MiB`: sizes as the user reads them."""
    return f"{count / GIB:.1f} GiB" if abs(count) >= GIB else f"{count / MIB:.0f} MiB"


_DEFAULT_SPEEDS: Mapping[Role, float] = MappingProxyType({"completion": 20.0, "chat": 8.0})


@dataclass(frozen=True, slots=True)
class FitPolicy:
    """How cautious fitting is; the defaults suit a laptop that also runs an editor and browser."""

    ram_reserve: int = int(1.5 * GIB)
    """RAM left for the OS and the user's other programs."""
    gpu_reserve: int = 512 * MIB
    """Per GPU: driver and runtime context that the model cannot use."""
    margin: float = 0.10
    """Share of the remaining memory kept back for estimation error."""
    min_tokens_per_second: Mapping[Role, float] = field(default_factory=lambda: _DEFAULT_SPEEDS)
    """Below this estimated decode speed a model is too slow for the role."""
    kv_cache_type: str = "f16"
    """The Ollama server's `OLLAMA_KV_CACHE_TYPE` (`f16`, `q8_0`, `q4_0`)."""
    num_parallel: int = 1
    """The Ollama server's `OLLAMA_NUM_PARALLEL`: each slot gets its own `num_ctx` of cache."""


class Placement(StrEnum):
    GPU = "gpu"
    UNIFIED = "unified"
    SPLIT = "split"
    CPU = "cpu"

    @property
    def label(self) -> str:
        return _PLACEMENT_LABELS[self]


_PLACEMENT_LABELS = {
    Placement.GPU: "entirely on the GPU",
    Placement.UNIFIED: "on the GPU (unified memory)",
    Placement.SPLIT: "split between GPU and CPU",
    Placement.CPU: "on the CPU",
}


@dataclass(frozen=True, slots=True)
class MemoryPool:
    """Usable bytes: `fast` (VRAM or the GPU's share of unified memory) and `slow` (RAM)."""

    fast: int
    slow: int

    @property
    def total(self) -> int:
        return self.fast + self.slow

    @classmethod
    def of(cls, hardware: Hardware, policy: FitPolicy) -> MemoryPool:
        ram = max(0, int((hardware.available_ram - policy.ram_reserve) * (1 - policy.margin)))
        if hardware.unified_memory:
            gpu = int(hardware.unified_gpu_limit * (1 - policy.margin)) - policy.gpu_reserve
            fast = max(0, min(gpu, ram))
            return cls(fast=fast, slow=ram - fast)
        if hardware.gpus:
            vram = int(hardware.vram_free * (1 - policy.margin))
            fast = max(0, vram - policy.gpu_reserve * len(hardware.gpus))
            return cls(fast=fast, slow=ram)
        return cls(fast=0, slow=ram)

    def minus(self, placed: Placed) -> MemoryPool:
        return replace(self, fast=self.fast - placed.fast_bytes, slow=self.slow - placed.slow_bytes)


@dataclass(frozen=True, slots=True)
class Placed:
    """A model placed in a pool: where its bytes go and its estimated decode speed."""

    placement: Placement
    fast_bytes: int
    slow_bytes: int
    tokens_per_second: float


def place(need: MemoryNeed, pool: MemoryPool, hardware: Hardware) -> Placed | None:
    """Fast memory first, the rest in RAM; None if the pool cannot hold it."""
    total = need.total
    if total > pool.total:
        return None
    fast = min(total, pool.fast)
    slow = total - fast
    if slow == 0:
        placement = Placement.UNIFIED if hardware.unified_memory else Placement.GPU
    else:
        placement = Placement.SPLIT if fast > 0 else Placement.CPU
    share_fast = fast / total if total else 0.0
    seconds = need.weights * share_fast / hardware.fast_memory_bandwidth + need.weights * (
        1 - share_fast
    ) / max(hardware.cpu_bandwidth, 1.0)
    speed = 1 / seconds if seconds > 0 else float("inf")
    return Placed(placement, fast, slow, speed)
