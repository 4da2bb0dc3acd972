"""What the user cannot see but pays for: cancellation, bursts, typing through, status."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    eventually,
    generations,
    initialize,
    inline_params,
    insert_text,
    open_document,
    settings_for,
)
from tests.fake_ollama import FakeOllama

URI = "file:///project/src/shapes.py"
TEXT = "class Square:\n    def area(self):\n        \n"
LONG_REPLY = "return " + " + ".join(f"self.side_{i}" for i in range(200))


def first_text(result: Any) -> str | None:
    if result is None:
        return None
    items = result.items if isinstance(result, types.InlineCompletionList) else result
    return items[0].insert_text if items else None


async def test_a_cancelled_request_closes_the_backend_stream(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.configure(tokens_per_second=40)
    fake_ollama.reply(LONG_REPLY)
    await initialize(client, init_options=settings_for(fake_ollama.url, multiline="always"))
    open_document(client, URI, TEXT)
    pending = asyncio.ensure_future(
        client.protocol.send_request_async(
            types.TEXT_DOCUMENT_INLINE_COMPLETION, inline_params(URI, 2, 8), msg_id=4242
        )
    )
    await eventually(lambda: any(r.tokens_generated > 0 for r in generations(fake_ollama)))
    client.cancel_request(types.CancelParams(id=4242))
    with pytest.raises(JsonRpcRequestCancelled):
        await asyncio.wait_for(pending, 5)
    (request,) = generations(fake_ollama)
    await eventually(lambda: request.disconnected)
    await asyncio.sleep(0.2)  # long enough for several more tokens, were any still produced
    assert fake_ollama.counters.tokens_after_disconnect == 0
    assert request.tokens_generated < 50


async def test_a_burst_of_twenty_edits_starts_at_most_two_generations(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.reply(" * 2")
    await initialize(
        client,
        init_options=settings_for(fake_ollama.url, debounce={"minMs": 25, "maxMs": 250}),
    )
    open_document(client, URI, TEXT)
    typed = "total = self.side"  # 17 characters, then 3 more
    typed += " + 1"[:3]
    assert len(typed) == 20
    pending = []
    for i, char in enumerate(typed):
        insert_text(client, URI, i + 2, 2, 8 + i, char)
        pending.append(
            asyncio.ensure_future(
                client.text_document_inline_completion_async(
                    inline_params(URI, 2, 9 + i, invoked=False)
                )
            )
        )
        await asyncio.sleep(0.05)  # a fast typist: 50 ms between keys
    results = await asyncio.wait_for(asyncio.gather(*pending), 10)
    assert 1 <= len(generations(fake_ollama)) <= 2
    assert first_text(results[-1]) == "* 2"  # the line ends with a space: not doubled


async def test_typing_through_a_suggestion_makes_no_backend_call(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.reply("return self.side ** 2")
    await initialize(client, init_options=settings_for(fake_ollama.url))
    open_document(client, URI, TEXT)
    first = await client.text_document_inline_completion_async(inline_params(URI, 2, 8))
    assert first_text(first) == "return self.side ** 2"
    insert_text(client, URI, 2, 2, 8, "ret")
    second = await client.text_document_inline_completion_async(
        inline_params(URI, 2, 11, invoked=False)
    )
    assert first_text(second) == "urn self.side ** 2"
    assert len(generations(fake_ollama)) == 1


async def test_status_goes_loading_idle_generating_idle(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.configure(load_seconds=0.2)
    fake_ollama.reply("return self.side ** 2", first_token_seconds=0.5)  # long enough to show
    await initialize(client, init_options=settings_for(fake_ollama.url))
    statuses: list[dict[str, Any]] = client.statuses  # type: ignore[attr-defined]
    await eventually(lambda: bool(statuses) and statuses[-1]["state"] == "idle")
    open_document(client, URI, TEXT)
    await client.text_document_inline_completion_async(inline_params(URI, 2, 8))
    await eventually(lambda: statuses[-1]["state"] == "idle" and len(statuses) >= 4)
    states = [s["state"] for s in statuses]
    assert states[:4] == ["loading", "idle", "generating", "idle"]
    assert all(s["model"] == "qwen2.5-coder:1.5b-base" for s in statuses)
    assert statuses[3].get("tokensPerSecond", 0) > 0


async def test_ollama_down_gives_one_clear_message_and_no_crash(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.reply("return self.side ** 2")
    fake_ollama.refuse_connections()
    await initialize(client, init_options=settings_for(fake_ollama.url))
    open_document(client, URI, TEXT)
    for _ in range(3):
        result = await client.text_document_inline_completion_async(inline_params(URI, 2, 8))
        assert result is None
    errors = [m for m in client.messages if m.type == types.MessageType.Error]
    assert len(errors) == 1, errors
    print(errors[0].message)
    assert "Ollama" in errors[0].message and fake_ollama.url.split("//")[1] in errors[0].message
    statuses: list[dict[str, Any]] = client.statuses  # type: ignore[attr-defined]
    assert statuses[-1]["state"] == "error"

    fake_ollama.accept_connections()  # Ollama is back: completions work again
    recovered = None
    for _ in range(50):
        recovered = await client.text_document_inline_completion_async(inline_params(URI, 2, 8))
        if recovered is not None:
            break
        await asyncio.sleep(0.1)
    assert first_text(recovered) == "return self.side ** 2"
    await eventually(lambda: statuses[-1]["state"] == "idle")

    fake_ollama.refuse_connections()  # ... and down again: one new message
    insert_text(client, URI, 2, 2, 8, "x")
    assert await client.text_document_inline_completion_async(inline_params(URI, 2, 9)) is None
    errors = [m for m in client.messages if m.type == types.MessageType.Error]
    assert len(errors) == 2


async def test_a_model_that_is_not_pulled_is_named_once(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    await initialize(client, init_options=settings_for(fake_ollama.url, "codellama:70b-code"))
    open_document(client, URI, TEXT)
    for _ in range(3):
        assert await client.text_document_inline_completion_async(inline_params(URI, 2, 8)) is None
    errors = [m for m in client.messages if m.type == types.MessageType.Error]
    assert len(errors) == 1
    assert "codellama:70b-code" in errors[0].message
    assert "pull" in errors[0].message.lower()
