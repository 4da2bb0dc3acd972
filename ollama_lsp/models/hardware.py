"""What the machine can hold: RAM, NVIDIA VRAM, Apple unified memory.

Detection takes its probes as arguments, so tests pass fixed readings instead of patching
psutil or subprocess. `detect_hardware` may run `nvidia-smi` (up to `timeout` seconds): call it
from a thread (`asyncio.to_thread`) in the server. It assumes Ollama runs on this machine; for
a remote endpoint, build a `Hardware` from the user's settings instead.
"""

from __future__ import annotations

import logging
import platform
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

import psutil

__all__ = [
    "APPLE_GPU_SHARE",
    "GpuInfo",
    "Hardware",
    "detect_hardware",
    "parse_nvidia_smi",
    "probe_platform",
    "probe_ram",
    "run_nvidia_smi",
]

log = logging.getLogger(__name__)

MIB = 1024**2
GIB = 1024**3
NVIDIA_SMI_ARGS = (
    "--query-gpu=name,memory.total,memory.free",
    "--format=csv,noheader,nounits",
)
APPLE_GPU_SHARE = (2 / 3, 3 / 4)
"""Share of unified memory macOS lets the GPU wire: 2/3 up to 36 GiB of RAM, 3/4 above."""

# Rough sustained memory bandwidth, bytes/s: decode speed ~ bandwidth / weight bytes.
DEFAULT_CPU_BANDWIDTH = 40e9
DEFAULT_NVIDIA_BANDWIDTH = 300e9
DEFAULT_APPLE_BANDWIDTH = 100e9


@dataclass(frozen=True, slots=True)
class GpuInfo:
    """One discrete GPU's memory, in bytes."""

    name: str
    total_bytes: int
    free_bytes: int


@dataclass(frozen=True, slots=True)
class Hardware:
    """A machine's memory as the recommendation and fit check see it (bytes)."""

    total_ram: int
    available_ram: int
    gpus: tuple[GpuInfo, ...] = ()
    unified_memory: bool = False
    """Apple silicon: the GPU shares system RAM, up to `gpu_share` of it."""
    cpu_bandwidth: float = DEFAULT_CPU_BANDWIDTH
    gpu_bandwidth: float | None = None
    """Bytes/s of GPU (or unified) memory; None picks a default for the kind of GPU."""

    @property
    def vram_total(self) -> int:
        return sum(gpu.total_bytes for gpu in self.gpus)

    @property
    def vram_free(self) -> int:
        return sum(gpu.free_bytes for gpu in self.gpus)

    @property
    def gpu_share(self) -> float:
        small, large = APPLE_GPU_SHARE
        return small if self.total_ram <= 36 * GIB else large

    @property
    def unified_gpu_limit(self) -> int:
        """Bytes of unified memory the GPU may use (0 without unified memory)."""
        return int(self.total_ram * self.gpu_share) if self.unified_memory else 0

    @property
    def fast_memory_bandwidth(self) -> float:
        if self.gpu_bandwidth is not None:
            return self.gpu_bandwidth
        return DEFAULT_APPLE_BANDWIDTH if self.unified_memory else DEFAULT_NVIDIA_BANDWIDTH

    def describe(self) -> str:
        """One line for the user: `16.0 GiB RAM (9.5 GiB free), NVIDIA RTX 4060 8.0 GiB`."""
        parts = [f"{self.total_ram / GIB:.1f} GiB RAM ({self.available_ram / GIB:.1f} GiB free)"]
        if self.unified_memory:
            parts.append(f"unified memory, GPU up to {self.unified_gpu_limit / GIB:.1f} GiB")
        parts += [
            f"{gpu.name} {gpu.total_bytes / GIB:.1f} GiB ({gpu.free_bytes / GIB:.1f} GiB free)"
            for gpu in self.gpus
        ]
        if not self.unified_memory and not self.gpus:
            parts.append("no GPU")
        return ", ".join(parts)


RamProbe = Callable[[], tuple[int, int]]
NvidiaProbe = Callable[[], str | None]
PlatformProbe = Callable[[], tuple[str, str]]


def probe_ram() -> tuple[int, int]:
    """(total, available) bytes of system RAM."""
    memory = psutil.virtual_memory()
    return memory.total, memory.available


def probe_platform() -> tuple[str, str]:
    """(`Darwin`/`Linux`/`Windows`, `arm64`/`x86_64`/...)."""
    return platform.system(), platform.machine()


def run_nvidia_smi(timeout: float = 3.0) -> str | None:
    """`nvidia-smi`'s CSV memory report, or None when it is absent, fails or hangs."""
    executable = shutil.which("nvidia-smi")
    if executable is None:
        return None
    try:
        result = subprocess.run(
            [executable, *NVIDIA_SMI_ARGS],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        log.info("nvidia-smi did not answer: %s", error)
        return None
    if result.returncode != 0:
        log.info("nvidia-smi failed (%d): %s", result.returncode, result.stderr.strip()[:200])
        return None
    return result.stdout


def parse_nvidia_smi(output: str) -> tuple[GpuInfo, ...]:
    """GPUs from `name, total MiB, free MiB` lines; lines that do not parse are skipped."""
    gpus = []
    for line in output.splitlines():
        fields = line.rsplit(",", 2)
        if len(fields) != 3:
            continue
        name, total, free = (field.strip() for field in fields)
        try:
            total_mib, free_mib = float(total), float(free)
        except ValueError:  # "[N/A]", "[Not Supported]", garbage
            continue
        if total_mib <= 0 or free_mib < 0:
            continue
        gpus.append(
            GpuInfo(name or "NVIDIA GPU", int(total_mib * MIB), int(min(free_mib, total_mib) * MIB))
        )
    return tuple(gpus)


def detect_hardware(
    *,
    ram: RamProbe = probe_ram,
    nvidia: NvidiaProbe = run_nvidia_smi,
    system: PlatformProbe = probe_platform,
) -> Hardware:
    """Read the machine through the probes; a failing GPU probe just means "no GPU"."""
    total, available = ram()
    os_name, machine = system()
    if os_name == "Darwin" and machine in ("arm64", "aarch64"):
        return Hardware(total_ram=total, available_ram=available, unified_memory=True)
    output = nvidia()
    gpus = parse_nvidia_smi(output) if output else ()
    return Hardware(total_ram=total, available_ram=available, gpus=gpus)
