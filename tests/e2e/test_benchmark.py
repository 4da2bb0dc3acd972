"""ollama.benchmark end to end: levels measured against the emulator's scripted engine, stored,
tabled, with progress."""

from __future__ import annotations

from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import initialize, settings_for
from tests.fake_ollama import FakeOllama


async def test_benchmark_of_two_levels_gives_rows_a_table_and_progress(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.set_pulled(["qwen2.5-coder:1.5b-base", "codellama:7b-code-q4_K_M"])
    fake_ollama.reply("    return a + b\n", model="codellama:7b-code-q8_0")
    fake_ollama.reply("    return b + a\n", model="codellama:7b-code-q4_K_M")
    await initialize(client, settings=settings_for(fake_ollama.url))

    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="ollama.benchmark",
            arguments=[{"model": "codellama:7b-code", "levels": ["Q4_K_M", "Q8_0"]}],
        )
    )

    rows = {row["level"]: row for row in result["rows"]}
    assert list(rows) == ["Q8_0", "Q4_K_M"]  # the reference first
    assert rows["Q8_0"]["agreement"] == 1.0
    assert 0.5 < rows["Q4_K_M"]["agreement"] < 1.0  # same length, two words swapped
    assert rows["Q8_0"]["memoryBytes"] > rows["Q4_K_M"]["memoryBytes"] > 0
    assert all(row["evalTps"] > 0 and row["loadMs"] >= 0 for row in rows.values())
    assert "codellama:7b-code-q8_0" in fake_ollama.installed()  # pulled for the benchmark
    assert "| Q4_K_M " in result["table"]
    progress: list[Any] = [r for reports in client.progress_reports.values() for r in reports]
    titles = [r.title for r in progress if isinstance(r, types.WorkDoneProgressBegin)]
    assert "Benchmarking codellama:7b-code" in titles
    percentages = [r.percentage for r in progress if isinstance(r, types.WorkDoneProgressReport)]
    assert percentages and percentages[-1] == 100
    # the completion model is put back after the benchmark unloaded everything
    assert [m.model.name.display for m in fake_ollama.loaded()] == ["qwen2.5-coder:1.5b-base"]
