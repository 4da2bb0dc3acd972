"""Memory management in the server, one job per module (the policy itself is pure, in
:mod:`ollama_lsp.models.memory`):

- :mod:`.hardware`: the machine, from ``OLLAMA_LSP_HARDWARE`` or detection;
- :mod:`.fit`: :class:`FitCheck`, refusing a load that would not fit;
- :mod:`.usage`: :class:`RoleUsage`, which role model is loaded and idle, and unloads;
- :mod:`.monitor`: :class:`PressureMonitor`, sampling memory and adapting under pressure;
- :mod:`.adaptations`: :class:`AdaptationLog`, what was done, for ``ollama.status``.
"""

from ollama_lsp.server.memory.adaptations import AdaptationLog, AdaptationRecord
from ollama_lsp.server.memory.fit import FitCheck
from ollama_lsp.server.memory.hardware import HARDWARE_ENV, configured_hardware, machine_hardware
from ollama_lsp.server.memory.monitor import (
    MEMORY_PROBE_ENV,
    MemoryProbe,
    PressureMonitor,
    system_reading,
)
from ollama_lsp.server.memory.usage import RoleUsage

__all__ = [
    "HARDWARE_ENV",
    "MEMORY_PROBE_ENV",
    "AdaptationLog",
    "AdaptationRecord",
    "FitCheck",
    "MemoryProbe",
    "PressureMonitor",
    "RoleUsage",
    "configured_hardware",
    "machine_hardware",
    "system_reading",
]
