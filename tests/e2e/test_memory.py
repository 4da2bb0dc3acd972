"""Memory management end to end: idle unload seen in the emulator's /api/ps, num_ctx shrinking
and growing back under a simulated memory reading, unload on shutdown.

The server reads its hardware and memory from files the test writes (``tests.e2e.machine``).
"""

from __future__ import annotations

from typing import Any

from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    eventually,
    generations,
    initialize,
    inline_params,
    open_document,
    settings_for,
)
from tests.e2e.machine import client, write_memory
from tests.fake_ollama import FakeOllama

__all__ = ["client"]  # the fixture, with the memory files in its environment


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
