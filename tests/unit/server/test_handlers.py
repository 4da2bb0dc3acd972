"""Feature handlers called directly, with real services against the emulator (no LSP session):
what each command does to Ollama, the store and the settings."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from lsprotocol import types

from ollama_lsp.server import OllamaLanguageServer, Services, create_services
from ollama_lsp.server.features.chat import Conversations, cancel_chat
from ollama_lsp.server.features.installed import delete_model, list_models
from ollama_lsp.server.features.pull import cancel_pull
from ollama_lsp.server.features.switch import switch_model
from ollama_lsp.settings import Settings
from tests.fake_ollama import FakeOllama

COMPLETION = "qwen2.5-coder:1.5b-base"
CHATS = ("codellama:7b-instruct", "tinyllama:latest")


@pytest.fixture
async def server(
    fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[OllamaLanguageServer, Services]]:
    """An initialized server (no client on the wire) and its services, on the emulator."""
    monkeypatch.setenv("OLLAMA_LSP_STORE", ":memory:")
    fake_ollama.set_pulled([COMPLETION, *CHATS])
    ls = OllamaLanguageServer()
    list(ls.protocol.lsp_initialize(types.InitializeParams(types.ClientCapabilities())))
    services = create_services(ls)
    await ls.apply_settings(Settings(endpoints=(fake_ollama.url,)))
    yield ls, services
    await ls.shutdown_features()


async def test_list_models_records_them_in_the_store(
    server: tuple[OllamaLanguageServer, Services],
) -> None:
    ls, services = server
    listed = await list_models(ls, {}, backend=services.backend, store=services.store)
    assert sorted(m["name"] for m in listed["models"]) == sorted([COMPLETION, *CHATS])
    assert {m.name for m in services.store.models()} == {COMPLETION, *CHATS}


async def test_delete_model_removes_it_from_ollama_and_the_store(
    server: tuple[OllamaLanguageServer, Services], fake_ollama: FakeOllama
) -> None:
    ls, services = server
    await list_models(ls, {}, backend=services.backend, store=services.store)
    answer = await delete_model(
        ls, {"model": CHATS[1], "confirm": True}, backend=services.backend, store=services.store
    )
    assert answer == {"deleted": True}
    assert CHATS[1] not in fake_ollama.installed()
    assert CHATS[1] not in {m.name for m in services.store.models()}


async def test_a_second_switch_of_a_role_replaces_the_first(
    server: tuple[OllamaLanguageServer, Services],
) -> None:
    ls, services = server
    for model in CHATS:
        answer = await switch_model(
            ls,
            {"model": model, "role": "chat"},
            backend=services.backend,
            downloads=services.downloads,
            fit=services.fit,
            chosen=services.chosen,
        )
        assert (answer["model"], ls.settings.chat.model) == (model, model)
    await ls.apply_settings(ls.user_settings)  # a settings reload keeps the choice
    assert ls.settings.chat.model == CHATS[1]
    assert ls.user_settings.chat.model == Settings().chat.model


async def test_cancelling_what_is_not_running_says_so(
    server: tuple[OllamaLanguageServer, Services],
) -> None:
    ls, services = server
    assert await cancel_pull(ls, {"model": COMPLETION}, downloads=services.downloads) == {
        "cancelled": False
    }
    conversations = Conversations()
    assert await cancel_chat(ls, {"conversationId": "c1"}, conversations=conversations) == {
        "cancelled": False
    }
