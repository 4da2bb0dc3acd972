"""Model commands against the emulator: list, show, running, status, delete, switch."""

from __future__ import annotations

from pathlib import Path

from pytest_lsp import LanguageClient

from tests.e2e.test_commands_harness import execute, started
from tests.fake_ollama import FakeOllama


async def test_list_models_reports_local_models_and_the_catalog(
    tmp_path: Path, fake_ollama: FakeOllama
) -> None:
    async with started(tmp_path / "s.db", fake_ollama) as client:
        await execute(client, "ollama.switchModel", {"model": "codellama:7b-code"})
        result = await execute(client, "ollama.listModels")
    models = {m["name"]: m for m in result["models"]}
    assert set(models) == set(fake_ollama.installed())
    code = models["codellama:7b-code"]
    assert code["loaded"] is True and code["roles"] == ["completion"]
    assert code["supportsFim"] is True
    assert code["family"] == "llama" and code["quantization"] and code["parameterSize"]
    assert models["tinyllama:latest"]["loaded"] is False
    catalog = {c["name"]: c for c in result["catalog"]}
    assert catalog and not set(catalog) & set(models)
    assert all(isinstance(c["fits"], bool | None) and c["sizeBytes"] > 0 for c in catalog.values())
