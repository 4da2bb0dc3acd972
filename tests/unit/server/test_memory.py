"""The memory manager in-process against the emulator: chat unload when tight, the idle role
unloaded under pressure, the status snapshot, and the hardware override."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import attrs
import pytest

from ollama_lsp.models import MemoryReading
from ollama_lsp.ollama import ClientSettings, OllamaClient
from ollama_lsp.server.features.memory import HARDWARE_ENV, MemoryManager, configured_hardware
from ollama_lsp.server.server import OllamaLanguageServer
from ollama_lsp.server.settings import Settings
from tests.fake_ollama import FakeOllama

GIB = 1024**3
CHAT = "codellama:7b-instruct"
COMPLETION = "qwen2.5-coder:1.5b-base"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def server(fake_ollama_shared: FakeOllama) -> AsyncIterator[OllamaLanguageServer]:
    fake_ollama_shared.set_pulled([COMPLETION, CHAT])
    server = OllamaLanguageServer()
    settings = Settings()
    server.settings = attrs.evolve(
        settings,
        completion=attrs.evolve(settings.completion, model=COMPLETION, num_ctx=1024),
        chat=attrs.evolve(settings.chat, model=CHAT),
        memory=attrs.evolve(settings.memory, monitor=False, idle_unload_seconds=0),
    )
    async with OllamaClient(ClientSettings(endpoints=(fake_ollama_shared.url,))) as client:
        server.client = client
        yield server


def loaded(fake: FakeOllama) -> set[str]:
    return {m.model.name.display for m in fake.loaded()}


@pytest.mark.parametrize(("available_gib", "unloaded"), [(1.0, True), (12.0, False)])
async def test_the_chat_model_is_unloaded_after_an_answer_only_when_memory_is_tight(
    server: OllamaLanguageServer,
    fake_ollama_shared: FakeOllama,
    available_gib: float,
    unloaded: bool,
) -> None:
    reading = MemoryReading(available=int(available_gib * GIB), total=16 * GIB)
    manager = MemoryManager(server, probe=lambda: reading)
    assert server.client is not None
    await server.client.load(CHAT)

    await manager.chat_finished(CHAT)

    assert (CHAT not in loaded(fake_ollama_shared)) is unloaded
    kinds = [a["kind"] for a in manager.snapshot()["adaptations"]]
    assert kinds == (["chatUnload"] if unloaded else [])


async def test_under_pressure_at_the_context_floor_the_idle_role_is_unloaded(
    server: OllamaLanguageServer, fake_ollama_shared: FakeOllama
) -> None:
    clock = Clock()
    low = MemoryReading(available=1 * GIB, total=16 * GIB)
    manager = MemoryManager(server, probe=lambda: low, clock=clock)
    assert server.client is not None
    await server.client.load(COMPLETION)
    await server.client.load(CHAT)
    clock.now += 120  # both idle beyond minIdleSeconds
    manager.note_used("completion")  # the user is typing

    adaptations = await manager.sample()

    assert [type(a).__name__ for a in adaptations] == ["UnloadRole"]
    assert loaded(fake_ollama_shared) == {COMPLETION}
    snapshot = manager.snapshot()
    assert snapshot["underPressure"] is True and snapshot["numCtx"] == 1024
    assert snapshot["roles"]["chat"]["loaded"] is False
    record = snapshot["adaptations"][-1]
    assert (record["kind"], record["role"], record["model"]) == ("unloadRole", "chat", CHAT)
    assert "unloaded the chat model" in record["message"]


def test_the_hardware_override_reads_json_or_a_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    text = json.dumps(
        {
            "totalRam": 16 * GIB,
            "availableRam": 9 * GIB,
            "gpus": [{"name": "RTX 4060", "totalBytes": 8 * GIB, "freeBytes": 7 * GIB}],
        }
    )
    monkeypatch.setenv(HARDWARE_ENV, text)
    direct = configured_hardware()
    path = tmp_path / "hardware.json"
    path.write_text(text)
    monkeypatch.setenv(HARDWARE_ENV, str(path))
    assert configured_hardware() == direct
    assert direct is not None and direct.vram_free == 7 * GIB and direct.available_ram == 9 * GIB
    monkeypatch.delenv(HARDWARE_ENV)
    assert configured_hardware() is None
