"""The benchmark runner against the emulator: levels obtained, measured, compared, tabled."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ollama_lsp.models.benchmark import (
    agreement,
    ensure_level,
    format_table,
    installed_levels,
    run_benchmark,
)
from ollama_lsp.models.quantization import get_level
from ollama_lsp.ollama import ClientSettings, OllamaClient
from tests.fake_ollama import FakeOllama

PROMPTS = ("def add(a, b):\n    ", "def sub(a, b):\n    ")


@pytest.fixture
async def client(fake_ollama_shared: FakeOllama) -> AsyncIterator[OllamaClient]:
    async with OllamaClient(ClientSettings(endpoints=(fake_ollama_shared.url,))) as c:
        yield c


def test_agreement_is_one_for_identical_text_modulo_whitespace() -> None:
    assert agreement(["return a + b"], ["return  a +\n b"]) == 1.0
    assert agreement(["return a + b"], ["pass"]) < 0.5


def test_installed_levels_keep_the_variant_and_order_by_precision() -> None:
    names = ["codellama:7b-code-q4_K_M", "codellama:7b-instruct-q8_0", "codellama:7b-code-fp16"]
    found = installed_levels("codellama:7b-code", names)
    assert [(v.level.name, v.tag) for v in found] == [
        ("F16", "codellama:7b-code-fp16"),
        ("Q4_K_M", "codellama:7b-code-q4_K_M"),
    ]


async def test_levels_are_measured_and_compared_with_the_most_precise(
    client: OllamaClient, fake_ollama_shared: FakeOllama
) -> None:
    fake = fake_ollama_shared
    fake.set_pulled(["codellama:7b-code-q4_K_M", "codellama:7b-code-q8_0"])
    fake.reply("return a + b", model="codellama:7b-code-q8_0")
    fake.reply("return a + b  # sum", model="codellama:7b-code-q4_K_M", prompt_contains="add")
    fake.reply("return 0", model="codellama:7b-code-q4_K_M", prompt_contains="sub")
    progress: list[tuple[str, float]] = []

    rows = await run_benchmark(
        client,
        "codellama:7b-code",
        ["Q4_K_M", "q8_0"],
        lambda message, fraction: progress.append((message, fraction)),
        prompts=PROMPTS,
    )

    assert [r.level for r in rows] == ["Q8_0", "Q4_K_M"]
    assert rows[0].agreement == 1.0
    assert rows[1].agreement is not None and 0.3 < rows[1].agreement < 0.9
    assert rows[0].memory_bytes > rows[1].memory_bytes > 0  # from /api/ps
    assert all(r.eval_tokens_per_second > 0 and r.prompt_tokens_per_second > 0 for r in rows)
    assert len({r.run_id for r in rows}) == 1
    fractions = [f for _, f in progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert fake.loaded() == []  # nothing left loaded
    table = format_table(rows)
    assert table.splitlines()[2].startswith("| level ")
    assert "| Q4_K_M " in table and "| 1.00 " in table


async def test_a_creatable_level_is_quantized_from_f16_and_others_pulled(
    client: OllamaClient, fake_ollama_shared: FakeOllama
) -> None:
    fake_ollama_shared.set_pulled(["tinyllama:1.1b-chat-v1-fp16"])
    # 2.2 GB at 4 GB/s: a few progress lines of Ollama's own while quantizing.
    fake_ollama_shared.configure(quantize_bytes_per_second=4e9, progress_interval=0.05)
    progress: list[float] = []
    created = await ensure_level(
        client,
        "tinyllama:1.1b-chat-v1-fp16",
        get_level("Q8_0"),
        on_progress=lambda message, fraction: progress.append(fraction),
    )
    assert any(0.0 < f < 1.0 and f != 0.5 for f in progress), progress
    assert progress == sorted(progress) and progress[-1] == 1.0
    assert (created.tag, created.created, created.pulled) == (
        "tinyllama:1.1b-chat-v1-q8_0",
        True,
        False,
    )
    create = fake_ollama_shared.requests_to("/api/create")[0].body
    assert create["quantize"] == "Q8_0" and create["from"] == "tinyllama:1.1b-chat-v1-fp16"
    pulled = await ensure_level(client, "tinyllama:1.1b-chat-v1", get_level("Q4_0"))
    assert pulled.pulled and "tinyllama:1.1b-chat-v1-q4_0" in fake_ollama_shared.installed()
