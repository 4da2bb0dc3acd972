"""Memory management end to end: idle unload seen in the emulator's /api/ps, num_ctx shrinking
and growing back under a simulated memory reading, unload on shutdown.

The server reads its hardware and memory from files this module writes
(``OLLAMA_LSP_HARDWARE`` and ``OLLAMA_LSP_MEMORY_PROBE`` name them).
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

from tests.e2e.conftest import (
    SERVER,
    eventually,
    generations,
    initialize,
    inline_params,
    open_document,
    settings_for,
)
from tests.fake_ollama import FakeOllama

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


def logged(client: LanguageClient, text: str) -> bool:
    return any(text in m.message for m in client.log_messages)


def unloads(fake: FakeOllama, model: str) -> list[Any]:
    return [
        r
        for r in fake.requests_to("/api/generate")
        if r.body.get("model") == model and r.body.get("keep_alive") == 0
    ]


async def test_the_idle_completion_model_is_unloaded_with_keep_alive_zero(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    model = "qwen2.5-coder:1.5b-base"
    settings = settings_for(fake_ollama.url, model)
    settings["memory"] = {"idleUnloadSeconds": 1, "sampleSeconds": 0.1}
    await initialize(client, settings=settings)
    await eventually(lambda: bool(fake_ollama.loaded()), within=10)  # warmed up at start

    await eventually(lambda: not fake_ollama.loaded(), within=10)

    await eventually(lambda: logged(client, f"Unloaded the completion model {model}"))
    assert len(unloads(fake_ollama, model)) == 1  # once, not at every sample


async def test_num_ctx_shrinks_under_pressure_and_grows_back_when_memory_returns(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    settings = settings_for(fake_ollama.url, numCtx=4096)
    settings["memory"] = {
        "sampleSeconds": 0.1,
        "cooldownSeconds": 0,
        "restoreAfterSeconds": 0,
        "idleUnloadSeconds": 0,
    }
    await initialize(client, settings=settings)
    write_memory(0.5)  # below the low watermark (1.6 GiB of 16)
    await eventually(lambda: logged(client, "reduced from 2048 to 1024"), within=10)
    assert logged(client, "reduced from 4096 to 2048")

    uri = "file:///project/a.py"
    open_document(client, uri, "def add(a, b):\n    return ")
    await client.text_document_inline_completion_async(inline_params(uri, 1, 11))
    assert generations(fake_ollama)[-1].body["options"]["num_ctx"] == 1024

    write_memory(12)
    await eventually(lambda: logged(client, "back from 2048 to 4096"), within=10)
    assert logged(client, "back from 1024 to 2048")
    open_document(client, "file:///project/b.py", "def sub(a, b):\n    return ")
    await client.text_document_inline_completion_async(inline_params("file:///project/b.py", 1, 11))
    assert generations(fake_ollama)[-1].body["options"]["num_ctx"] == 4096


async def test_models_we_loaded_are_unloaded_on_shutdown_when_asked(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    settings = settings_for(fake_ollama.url)
    settings["memory"] = {"unloadOnShutdown": True}
    await initialize(client, settings=settings)
    await eventually(lambda: bool(fake_ollama.loaded()), within=10)

    await client.shutdown_session()
    client.initialized_session = False  # type: ignore[attr-defined]

    assert fake_ollama.loaded() == []
    assert unloads(fake_ollama, "qwen2.5-coder:1.5b-base")
