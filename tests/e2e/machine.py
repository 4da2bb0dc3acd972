"""A server whose hardware and memory readings come from files the test writes.

``OLLAMA_LSP_HARDWARE`` and ``OLLAMA_LSP_MEMORY_PROBE`` name them; :func:`write_hardware` and
:func:`write_memory` change what the server reads next. The ``client`` fixture starts that
server (import it into a test module to use it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.e2e.conftest import SERVER

__all__ = ["GIB", "client", "write_hardware", "write_memory"]

GIB = 1024**3
_FILES = Path(tempfile.mkdtemp(prefix="ollama-lsp-e2e-memory-"))
HARDWARE_FILE = _FILES / "hardware.json"
PROBE_FILE = _FILES / "memory.json"

CONFIG = ClientServerConfig(
    server_command=SERVER.server_command,
    server_env={
        **(SERVER.server_env or {}),
        "OLLAMA_LSP_HARDWARE": str(HARDWARE_FILE),
        "OLLAMA_LSP_MEMORY_PROBE": str(PROBE_FILE),
    },
)


def write_hardware(total_gib: float, available_gib: float, gpus: list[Any] | None = None) -> None:
    HARDWARE_FILE.write_text(
        json.dumps(
            {
                "totalRam": int(total_gib * GIB),
                "availableRam": int(available_gib * GIB),
                "gpus": gpus or [],
            }
        )
    )


def write_memory(available_gib: float, total_gib: float = 16) -> None:
    PROBE_FILE.write_text(
        json.dumps({"available": int(available_gib * GIB), "total": int(total_gib * GIB)})
    )


write_hardware(16, 12)
write_memory(12)


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient) -> Any:
    write_hardware(16, 12)
    write_memory(12)
    lsp_client.initialized_session = False  # type: ignore[attr-defined]
    yield
    if lsp_client.initialized_session:  # type: ignore[attr-defined]
        with contextlib.suppress(Exception):
            await asyncio.wait_for(lsp_client.shutdown_session(), 5)
