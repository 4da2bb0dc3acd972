"""Model commands against the emulator: list, show, running, status, delete, switch."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    eventually,
    generations,
    inline_params,
    open_document,
    settings_for,
)
from tests.e2e.session import execute, started, wait_for_message
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
    assert "insert" in code["capabilities"]
    assert code["family"] == "llama" and code["quantization"] and code["parameterSize"]
    assert models["tinyllama:latest"]["loaded"] is False
    assert "completion" not in models["nomic-embed-text:latest"]["capabilities"]
    catalog = {c["name"]: c for c in result["catalog"]}
    assert catalog and not set(catalog) & set(models)
    assert all(isinstance(c["fits"], bool | None) and c["sizeBytes"] > 0 for c in catalog.values())
    # the recommendation for this machine is shown too, and marked in the catalog
    recommended = {r["role"]: r for r in result["recommended"]}
    assert recommended and set(recommended) <= {"completion", "chat"}
    for choice in recommended.values():
        assert choice["reason"] and choice["level"]
        assert choice["pulled"] is (choice["model"] in models)
        if not choice["pulled"]:
            assert catalog[choice["model"]]["recommended"] is True
    assert {c for c in catalog if catalog[c]["recommended"]} <= {
        r["model"] for r in recommended.values()
    }


async def test_the_catalog_leaves_out_models_installed_under_another_tag(
    tmp_path: Path, fake_ollama: FakeOllama
) -> None:
    async with started(tmp_path / "s.db", fake_ollama) as client:
        result = await execute(client, "ollama.listModels")
    assert "qwen2.5-coder:1.5b-base" in {m["name"] for m in result["models"]}
    catalog = {c["name"]: c for c in result["catalog"]}
    # the same weights as the installed qwen2.5-coder:1.5b-base, at its level
    assert "qwen2.5-coder:1.5b-base-q4_K_M" not in catalog
    assert "qwen2.5-coder:1.5b-base-q8_0" in catalog
    assert catalog["qwen2.5-coder:1.5b-base-q8_0"]["parameterSize"] == "1.5B"
    capabilities = {m["name"]: m["capabilities"] for m in result["models"]}
    assert capabilities["nomic-embed-text:latest"] == ["embedding"]
    assert "insert" in capabilities["qwen2.5-coder:1.5b-base"]


def progress_begins(client: LanguageClient) -> list[types.WorkDoneProgressBegin]:
    return [
        reports[0]
        for reports in client.progress_reports.values()
        if reports and isinstance(reports[0], types.WorkDoneProgressBegin)
    ]


def loaded_names(fake: FakeOllama) -> set[str]:
    return {m.model.name.display for m in fake.loaded()}


async def test_switch_preloads_so_the_next_completion_has_no_cold_load(
    tmp_path: Path, fake_ollama: FakeOllama
) -> None:
    fake_ollama.reply("a + b", prefix_endswith="return ")
    async with started(tmp_path / "s.db", fake_ollama) as client:
        await eventually(lambda: "qwen2.5-coder:1.5b-base" in loaded_names(fake_ollama))
        result = await execute(
            client, "ollama.switchModel", {"model": "codellama:7b-code", "role": "completion"}
        )
        assert result["model"] == "codellama:7b-code" and result["role"] == "completion"
        assert result["loadMs"] >= 0
        assert "codellama:7b-code" in loaded_names(fake_ollama)
        # the previous completion model is unloaded: no role uses it any more
        await eventually(lambda: "qwen2.5-coder:1.5b-base" not in loaded_names(fake_ollama))
        loads = fake_ollama.counters.loads
        assert any(b.title == "Loading codellama:7b-code" for b in progress_begins(client))
        open_document(client, "file:///project/a.py", "def add(a, b):\n    return ")
        answer = await client.text_document_inline_completion_async(
            inline_params("file:///project/a.py", 1, 11)
        )
        assert answer is not None and "a + b" in str(answer)
        generated = generations(fake_ollama)
        assert generated and generated[-1].body["model"] == "codellama:7b-code"
        assert fake_ollama.counters.loads == loads  # the completion found the model loaded
        status = await execute(client, "ollama.status")
    assert status["roles"]["completion"] == "codellama:7b-code"


async def test_switch_tells_the_load_time_once_and_rounded(
    tmp_path: Path, fake_ollama: FakeOllama
) -> None:
    fake_ollama.configure(load_seconds=1.2)
    async with started(tmp_path / "s.db", fake_ollama) as client:
        result = await execute(
            client, "ollama.switchModel", {"model": "starcoder2:3b", "role": "completion"}
        )
        told = await wait_for_message(client, "model is now")
    assert isinstance(result["loadMs"], int) and result["loadMs"] >= 1200
    assert re.fullmatch(
        r"The completion model is now starcoder2:3b \(loaded in \d+\.\d s\)\.", told
    ), told
    assert sum("model is now" in m.message for m in client.messages) == 1


async def test_switch_survives_a_settings_reload_until_the_user_sets_the_model(
    tmp_path: Path, fake_ollama: FakeOllama
) -> None:
    async with started(tmp_path / "s.db", fake_ollama) as client:
        await execute(client, "ollama.switchModel", {"model": "tinyllama:latest", "role": "chat"})
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(None))
        await asyncio.sleep(0.3)
        assert (await execute(client, "ollama.status"))["roles"]["chat"] == "tinyllama:latest"
        client.set_configuration(
            {
                "ollama": {
                    **settings_for(fake_ollama.url),
                    "chat": {"model": "codellama:7b-instruct"},
                }
            }
        )
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(None))

        async def chat_model() -> str:
            return str((await execute(client, "ollama.status"))["roles"]["chat"])

        for _ in range(100):
            if await chat_model() == "codellama:7b-instruct":
                break
            await asyncio.sleep(0.05)
        assert await chat_model() == "codellama:7b-instruct"


async def test_switch_to_a_model_not_pulled_offers_to_pull_it(
    tmp_path: Path, fake_ollama: FakeOllama
) -> None:
    async with started(tmp_path / "s.db", fake_ollama) as client:
        client.answers.append("Cancel")  # type: ignore[attr-defined]
        with pytest.raises(JsonRpcException, match="not pulled"):
            await execute(client, "ollama.switchModel", {"model": "tinyllama:1.1b-chat-v1-q8_0"})
        client.answers.append("Pull")  # type: ignore[attr-defined]
        result = await execute(
            client, "ollama.switchModel", {"model": "tinyllama:1.1b-chat-v1-q8_0"}
        )
        questions = [q.message for q in client.questions]  # type: ignore[attr-defined]
    assert len(questions) == 2 and "tinyllama:1.1b-chat-v1-q8_0 is not pulled" in questions[0]
    assert result["model"] == "tinyllama:1.1b-chat-v1-q8_0"
    assert "tinyllama:1.1b-chat-v1-q8_0" in fake_ollama.installed()


async def test_delete_asks_first_and_removes_after_confirmation(
    tmp_path: Path, fake_ollama: FakeOllama
) -> None:
    async with started(tmp_path / "s.db", fake_ollama) as client:
        client.answers.extend(["Cancel", "Delete"])  # type: ignore[attr-defined]
        kept = await execute(client, "ollama.deleteModel", {"model": "tinyllama:latest"})
        assert kept == {"deleted": False}
        assert "tinyllama:latest" in fake_ollama.installed()
        deleted = await execute(client, "ollama.deleteModel", {"model": "tinyllama:latest"})
        assert deleted == {"deleted": True}
        assert "tinyllama:latest" not in fake_ollama.installed()
        questions = [q.message for q in client.questions]  # type: ignore[attr-defined]
        assert len(questions) == 2 and "Delete tinyllama:latest" in questions[0]
        # confirm: true skips the question
        assert await execute(
            client, "ollama.deleteModel", {"model": "starcoder2:3b", "confirm": True}
        ) == {"deleted": True}
        assert len(client.questions) == 2  # type: ignore[attr-defined]
        listed = await execute(client, "ollama.listModels")
    assert not {"tinyllama:latest", "starcoder2:3b"} & {m["name"] for m in listed["models"]}


async def test_show_and_running_models(tmp_path: Path, fake_ollama: FakeOllama) -> None:
    async with started(tmp_path / "s.db", fake_ollama) as client:
        shown = await execute(client, "ollama.showModel", {"model": "codellama:7b-code"})
        await eventually(lambda: "qwen2.5-coder:1.5b-base" in loaded_names(fake_ollama))
        running = await execute(client, "ollama.runningModels")
    assert shown["name"] == "codellama:7b-code" and shown["supportsFim"] is True
    assert shown["contextLength"] and "insert" in shown["capabilities"]
    assert shown["details"]["family"] == "llama"
    assert [m["name"] for m in running["models"]] == ["qwen2.5-coder:1.5b-base"]
    assert running["models"][0]["size"] > 0 and running["models"][0]["expiresAt"]


async def test_status_reports_endpoints_roles_memory_and_errors(
    tmp_path: Path, fake_ollama: FakeOllama
) -> None:
    async with started(tmp_path / "s.db", fake_ollama) as client:
        await eventually(lambda: "qwen2.5-coder:1.5b-base" in loaded_names(fake_ollama))
        healthy = await execute(client, "ollama.status")
        fake_ollama.refuse_connections()
        down = await execute(client, "ollama.status")
    (endpoint,) = healthy["endpoints"]
    assert endpoint["url"] == fake_ollama.url and endpoint["api"] == "ollama"
    assert endpoint["healthy"] is True and endpoint["version"] and endpoint["error"] is None
    assert set(endpoint["loadedModels"]) == loaded_names(fake_ollama)
    assert endpoint["probeMs"] > 0 and endpoint["inFlight"] == 0
    assert "codellama:7b-code" in healthy["models"]
    assert healthy["roles"] == {
        "completion": "qwen2.5-coder:1.5b-base",
        "chat": "qwen2.5-coder:1.5b-instruct",
        "nextEdit": "",
    }
    assert healthy["memory"]["totalBytes"] >= healthy["memory"]["availableBytes"] > 0
    assert down["endpoints"][0]["healthy"] is False and down["endpoints"][0]["error"]
    assert all(set(e) == {"kind", "message"} for e in down["lastErrors"])
    assert down["models"] == []


ERRORS = [
    ("ollama.showModel", {"model": "nosuch:1b"}, "nosuch:1b"),
    ("ollama.deleteModel", {"model": "nosuch:1b"}, "nosuch:1b is not pulled"),
    ("ollama.showModel", {}, "`model` is required"),
    ("ollama.switchModel", {"model": "tinyllama:latest", "role": "x"}, "`role` must be"),
]


async def test_errors_reach_the_user_and_the_request(
    tmp_path: Path, fake_ollama: FakeOllama
) -> None:
    async with started(tmp_path / "s.db", fake_ollama) as client:
        for command, argument, expected in ERRORS:
            with pytest.raises(JsonRpcException, match=re.escape(expected)):
                await execute(client, command, argument)
            await wait_for_message(client, expected)


async def test_ollama_down_reaches_the_user(tmp_path: Path, fake_ollama: FakeOllama) -> None:
    async with started(tmp_path / "s.db", fake_ollama) as client:
        fake_ollama.refuse_connections()
        with pytest.raises(JsonRpcException, match="not running") as raised:
            await execute(client, "ollama.listModels")
        shown = await wait_for_message(client, "not running")
    assert fake_ollama.url in shown and str(raised.value.message) in shown
