"""ollama.recommend for fixed hardware profiles, the fit refusal and create-with-quantize,
end to end through the server (hardware from ``OLLAMA_LSP_HARDWARE``)."""

from __future__ import annotations

from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.e2e.conftest import initialize, settings_for
from tests.e2e.machine import GIB, client, write_hardware
from tests.fake_ollama import FakeOllama

__all__ = ["client"]  # the fixture, with the hardware file in its environment

RTX_4060 = {"name": "RTX 4060", "totalBytes": 8 * GIB, "freeBytes": int(7.6 * GIB)}


async def command(client: LanguageClient, name: str, argument: dict[str, Any] | None) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=[argument or {}])
    )


PROFILES = {  # total GiB, available GiB, GPUs -> completion, chat (num_ctx 4096)
    "8 GB laptop": (
        8,
        5.5,
        [],
        "qwen2.5-coder:3b-base-q4_K_M",
        "qwen2.5-coder:1.5b-instruct-q5_K_S",
    ),
    "16 GB + 8 GB GPU": (
        16,
        11,
        [RTX_4060],
        "qwen2.5-coder:7b-base-q6_K",
        "qwen2.5-coder:7b-instruct-q4_K_M",
    ),
    "64 GB workstation": (
        64,
        52,
        [],
        "qwen2.5-coder:3b-base-q4_K_M",
        "qwen2.5-coder:7b-instruct-q4_K_M",
    ),
}


async def test_recommendations_for_fixed_hardware_profiles(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    await initialize(client, settings=settings_for(fake_ollama.url))
    for profile, (total, available, gpus, completion, chat) in PROFILES.items():
        write_hardware(total, available, gpus)  # read at each call

        result = await command(client, "ollama.recommend", None)

        assert result["hardware"]["totalRam"] == total * GIB, profile
        chosen = {r["role"]: r for r in result["recommendations"]}
        assert (chosen["completion"]["model"], chosen["chat"]["model"]) == (completion, chat), (
            profile
        )
        assert chosen["completion"]["level"].lower() in completion.lower()
        reason = chosen["completion"]["reason"]
        assert completion in reason and "KV cache" in reason
        assert result["reasoning"][0].startswith("Hardware: ")


async def test_a_level_that_does_not_fit_is_refused_naming_one_that_would(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.set_pulled(["qwen2.5-coder:1.5b-base", "codellama:7b-code-q4_K_M"])
    write_hardware(16, 8)
    await initialize(client, settings=settings_for(fake_ollama.url, numCtx=2048))

    with pytest.raises(JsonRpcException) as refused:
        await command(
            client, "ollama.setQuantization", {"model": "codellama:7b-code", "level": "Q8_0"}
        )

    message = refused.value.message
    assert "codellama:7b-code-q8_0 does not fit" in message
    assert "would fit: codellama:7b-code-q" in message
    assert not fake_ollama.requests_to("/api/pull") and not fake_ollama.requests_to("/api/create")


async def test_a_level_is_created_from_f16_with_quantize_and_becomes_the_role_model(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    await initialize(client, settings=settings_for(fake_ollama.url))

    result = await command(
        client,
        "ollama.setQuantization",
        {"model": "tinyllama:1.1b-chat-v1-fp16", "level": "q8_0", "role": "chat"},
    )

    assert result == {
        "model": "tinyllama:1.1b-chat-v1-q8_0",
        "level": "Q8_0",
        "role": "chat",
        "created": True,
        "pulled": False,
    }
    body = fake_ollama.requests_to("/api/create")[0].body
    assert (body["from"], body["quantize"]) == ("tinyllama:1.1b-chat-v1-fp16", "Q8_0")
    assert "tinyllama:1.1b-chat-v1-q8_0" in fake_ollama.installed()
    progress: list[Any] = [r for reports in client.progress_reports.values() for r in reports]
    titles = [r.title for r in progress if isinstance(r, types.WorkDoneProgressBegin)]
    assert "Quantizing tinyllama:1.1b-chat-v1-fp16 to Q8_0" in titles
    status = await command(client, "ollama.status", None)
    assert status["roles"]["chat"] == "tinyllama:1.1b-chat-v1-q8_0"


async def test_a_level_the_library_has_is_pulled(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    await initialize(client, settings=settings_for(fake_ollama.url))

    result = await command(
        client, "ollama.setQuantization", {"model": "codellama:7b-code", "level": "Q8_0"}
    )

    assert (result["model"], result["role"], result["pulled"]) == (
        "codellama:7b-code-q8_0",
        "completion",
        True,
    )
    assert "codellama:7b-code-q8_0" in fake_ollama.installed()
    status = await command(client, "ollama.status", None)
    assert status["roles"]["completion"] == "codellama:7b-code-q8_0"
