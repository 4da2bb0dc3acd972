"""The machine Ollama runs on: ``OLLAMA_LSP_HARDWARE`` when set, else what detection finds."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping
from typing import Any

from ollama_lsp.models import GpuInfo, Hardware, detect_hardware

__all__ = ["HARDWARE_ENV", "configured_hardware", "machine_hardware"]

HARDWARE_ENV = "OLLAMA_LSP_HARDWARE"
"""JSON (or a JSON file's path) replacing hardware detection (a remote Ollama, tests)."""


def _bytes(raw: Mapping[str, Any], key: str, default: int | None = None) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{HARDWARE_ENV}: {key} must be a number of bytes")
    return int(value)


def configured_hardware() -> Hardware | None:
    """The hardware ``OLLAMA_LSP_HARDWARE`` describes, or None when it is unset."""
    text = os.environ.get(HARDWARE_ENV, "").strip()
    if not text:
        return None
    if not text.startswith("{"):  # the path of a JSON file
        with open(text, encoding="utf-8") as file:
            text = file.read()
    raw = json.loads(text)
    gpus = tuple(
        GpuInfo(str(g.get("name", "GPU")), _bytes(g, "totalBytes"), _bytes(g, "freeBytes"))
        for g in raw.get("gpus", ())
    )
    total = _bytes(raw, "totalRam")
    return Hardware(
        total_ram=total,
        available_ram=_bytes(raw, "availableRam", total),
        gpus=gpus,
        unified_memory=bool(raw.get("unifiedMemory", False)),
    )


async def machine_hardware() -> Hardware:
    """``OLLAMA_LSP_HARDWARE`` if set, else detection (in a thread: nvidia-smi may block)."""
    configured = configured_hardware()
    return configured if configured is not None else await asyncio.to_thread(detect_hardware)
