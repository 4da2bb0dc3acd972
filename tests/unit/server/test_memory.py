"""The memory services in-process against the emulator: chat unload when tight, the idle role
unloaded under pressure, activity heard from the pipeline, ``ollama.status``'s memory object,
and the hardware override."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import attrs
import pytest

from ollama_lsp.completion.pipeline import CompletionRequest
from ollama_lsp.context import Document
from ollama_lsp.models import MemoryReading
from ollama_lsp.server.backend import Backend
from ollama_lsp.server.features.status import status
from ollama_lsp.server.memory import (
    HARDWARE_ENV,
    AdaptationLog,
    PressureMonitor,
    RoleUsage,
    configured_hardware,
)
from ollama_lsp.server.outcomes import SuggestionOutcomes
from ollama_lsp.server.server import OllamaLanguageServer
from ollama_lsp.settings import Settings
from ollama_lsp.store import ModelStore
from tests.fake_ollama import FakeOllama

GIB = 1024**3
CHAT = "codellama:7b-instruct"
COMPLETION = "qwen2.5-coder:1.5b-base"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Probe:
    """A memory reading the test sets."""

    def __init__(self, available_gib: float = 12, total_gib: float = 16) -> None:
        self.reading = MemoryReading(int(available_gib * GIB), int(total_gib * GIB))

    def __call__(self) -> MemoryReading:
        return self.reading


@dataclass
class Memory:
    """A server with a backend and the memory services, as ``create_services`` wires them."""

    server: OllamaLanguageServer
    backend: Backend
    usage: RoleUsage
    monitor: PressureMonitor
    adaptations: AdaptationLog
    clock: Clock
    probe: Probe


@pytest.fixture
async def memory(fake_ollama_shared: FakeOllama) -> AsyncIterator[Memory]:
    fake_ollama_shared.set_pulled([COMPLETION, CHAT])
    server, clock, probe = OllamaLanguageServer(), Clock(), Probe()
    backend, adaptations = Backend(server), AdaptationLog()
    usage = RoleUsage(server, backend, adaptations, clock=clock)
    backend.pipeline.add_observer(usage)
    monitor = PressureMonitor(server, backend, usage, adaptations, probe=probe, clock=clock)
    for listener in (backend.settings_changed, usage.settings_changed, monitor.settings_changed):
        server.on_settings(listener)
    settings = Settings(endpoints=(fake_ollama_shared.url,))
    await server.apply_settings(
        attrs.evolve(
            settings,
            completion=attrs.evolve(settings.completion, model=COMPLETION, num_ctx=1024),
            chat=attrs.evolve(settings.chat, model=CHAT),
            memory=attrs.evolve(settings.memory, monitor=False, idle_unload_seconds=0),
        )
    )
    yield Memory(server, backend, usage, monitor, adaptations, clock, probe)
    await server.cancel_background()
    await backend.aclose()


def loaded(fake: FakeOllama) -> set[str]:
    return {m.model.name.display for m in fake.loaded()}


@pytest.mark.parametrize(("available_gib", "unloaded"), [(1.0, True), (12.0, False)])
async def test_the_chat_model_is_unloaded_after_an_answer_only_when_memory_is_tight(
    memory: Memory, fake_ollama_shared: FakeOllama, available_gib: float, unloaded: bool
) -> None:
    memory.probe.reading = MemoryReading(available=int(available_gib * GIB), total=16 * GIB)
    await memory.backend.client.load(CHAT)

    await memory.monitor.chat_answered(CHAT)

    assert (CHAT not in loaded(fake_ollama_shared)) is unloaded
    kinds = [a["kind"] for a in memory.adaptations.to_json()]
    assert kinds == (["chatUnload"] if unloaded else [])


async def test_under_pressure_at_the_context_floor_the_idle_role_is_unloaded(
    memory: Memory, fake_ollama_shared: FakeOllama
) -> None:
    memory.probe.reading = MemoryReading(available=1 * GIB, total=16 * GIB)
    await memory.backend.client.load(COMPLETION)
    await memory.backend.client.load(CHAT)
    memory.clock.now += 120  # both idle beyond minIdleSeconds
    memory.usage.note_used("completion")  # the user is typing

    adaptations = await memory.monitor.sample()

    assert [type(a).__name__ for a in adaptations] == ["UnloadRole"]
    assert loaded(fake_ollama_shared) == {COMPLETION}
    monitor = memory.monitor.to_json()
    assert monitor["underPressure"] is True and monitor["numCtx"] == 1024
    assert memory.usage.to_json()["chat"]["loaded"] is False
    record = memory.adaptations.to_json()[-1]
    assert (record["kind"], record["role"], record["model"]) == ("unloadRole", "chat", CHAT)
    assert "unloaded the chat model" in record["message"]


async def test_a_completion_request_is_activity_without_polling(memory: Memory) -> None:
    memory.clock.now += 300
    assert memory.usage.to_json()["completion"]["idleSeconds"] == 300

    document = Document("file:///notes.md", "# notes", "markdown", 1)
    await memory.backend.pipeline.complete(CompletionRequest(document, 7))

    assert memory.usage.to_json()["completion"]["idleSeconds"] == 0


async def test_a_shrunk_context_reaches_the_pipeline_through_the_backend(
    memory: Memory, fake_ollama_shared: FakeOllama
) -> None:
    settings = memory.server.settings
    await memory.server.apply_settings(
        attrs.evolve(settings, completion=attrs.evolve(settings.completion, num_ctx=4096))
    )
    policy = {"cooldown_seconds": 0, "restore_after_seconds": 0}
    await memory.server.apply_settings(
        attrs.evolve(memory.server.settings, memory=attrs.evolve(settings.memory, **policy))
    )
    memory.probe.reading = MemoryReading(available=1 * GIB, total=16 * GIB)

    await memory.monitor.sample()

    assert memory.backend.pipeline.settings.num_ctx == 2048
    assert memory.backend.num_ctx_for("completion") == 2048
    await memory.server.apply_settings(attrs.evolve(memory.server.settings, keep_alive="1h"))
    assert memory.backend.pipeline.settings.num_ctx == 2048  # a settings change keeps it
    memory.probe.reading = MemoryReading(available=12 * GIB, total=16 * GIB)
    memory.clock.now += 1
    await memory.monitor.sample()
    assert memory.backend.pipeline.settings.num_ctx == 4096


async def test_status_reports_the_memory_services(
    memory: Memory, tmp_path: Path, fake_ollama_shared: FakeOllama
) -> None:
    memory.probe.reading = MemoryReading(available=1 * GIB, total=16 * GIB)
    await memory.backend.client.load(CHAT)
    await memory.monitor.chat_answered(CHAT)
    with ModelStore.open(tmp_path / "store.sqlite3") as store:
        answer = await status(
            memory.server,
            {},
            backend=memory.backend,
            store=store,
            monitor=memory.monitor,
            usage=memory.usage,
            adaptations=memory.adaptations,
            outcomes=SuggestionOutcomes(memory.server, store),
        )
    assert answer["roles"] == {"completion": COMPLETION, "chat": CHAT, "nextEdit": ""}
    assert answer["memory"]["configuredNumCtx"] == 1024
    assert answer["memory"]["roles"]["chat"] == {"model": CHAT, "loaded": False, "idleSeconds": 0}
    assert [a["kind"] for a in answer["memory"]["adaptations"]] == ["chatUnload"]
    assert answer["store"] == str(tmp_path / "store.sqlite3")
    assert answer["endpoints"][0]["healthy"] is True
    assert answer["suggestions"] == {}


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
