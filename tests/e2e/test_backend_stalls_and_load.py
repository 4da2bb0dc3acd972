"""A hostile backend day: a stream that stops sending, and ten documents sharing one slot."""

from __future__ import annotations

import asyncio
from typing import Any

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
from tests.e2e.test_pipeline_behaviour import first_text
from tests.fake_ollama import FakeOllama, RecordedRequest

TEXT = "class Square:\n    def area(self):\n        \n"
#: The document the model has in mind: each reply is what lies between a prompt's prefix and
#: suffix in it.
WHOLE = "class Square:\n    def area(self):\n        return self.side ** 2\n"
TOTAL = "class Square:\n    def area(self):\n        total = self.side * 2\n"


def most_open_at_once(records: list[RecordedRequest]) -> int:
    """The most generation requests the emulator held open at one time."""
    events = sorted(
        [(r.started, 1) for r in records]
        + [(r.finished if r.finished is not None else float("inf"), -1) for r in records]
    )
    most = current = 0
    for _, step in events:
        current += step
        most = max(most, current)
    return most


async def model_loaded(client: LanguageClient) -> None:
    """The server loads the model after start-up (an empty generate): that is not the stall."""
    statuses: list[dict[str, Any]] = client.statuses  # type: ignore[attr-defined]
    await eventually(lambda: bool(statuses) and statuses[-1]["state"] == "idle")


async def test_a_stalled_stream_is_closed_and_a_request_agreeing_with_it_does_not_wait(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.add_rule(fim_middle_of=WHOLE, tokens_per_second=50)
    settings = settings_for(fake_ollama.url)
    settings["timeouts"] = {"completionStall": 0.5}  # the read timeout stays 120 s
    await initialize(client, init_options=settings)
    statuses: list[dict[str, Any]] = client.statuses  # type: ignore[attr-defined]
    await model_loaded(client)
    fake_ollama.add_fault("stall", path="/api/generate", after_chunks=2)  # until the client leaves
    uri = "file:///project/stall.py"
    open_document(client, uri, TEXT)
    first = asyncio.ensure_future(
        client.text_document_inline_completion_async(inline_params(uri, 2, 8))
    )
    await eventually(lambda: any(r.chunks_sent >= 2 for r in generations(fake_ollama)))
    insert_text(client, uri, 2, 2, 8, "ret")  # agrees with "return self": the generation is kept
    second = client.text_document_inline_completion_async(inline_params(uri, 2, 11, invoked=False))
    # Without a stall timeout both wait for the 120 s read timeout.
    answers = await asyncio.wait_for(asyncio.gather(first, second), 30)
    # The stalled generation fails; the request that waited on it starts a new one.
    assert [first_text(a) for a in answers] == [None, "urn self.side ** 2"]
    stalled, fresh = generations(fake_ollama)
    await eventually(lambda: stalled.disconnected)
    assert not fresh.disconnected
    errors = [s["message"] for s in statuses if s["state"] == "error"]
    assert errors and "stopped sending" in errors[0] and "completionStall" in errors[0]
    await eventually(lambda: statuses[-1]["state"] == "idle")


async def test_a_superseded_stalled_stream_is_closed_at_once(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.add_rule(fim_middle_of=WHOLE, tokens_per_second=50)
    await initialize(client, init_options=settings_for(fake_ollama.url))
    await model_loaded(client)
    fake_ollama.add_fault("stall", path="/api/generate", after_chunks=2)
    uri = "file:///project/supersede.py"
    open_document(client, uri, TEXT)
    first = asyncio.ensure_future(
        client.text_document_inline_completion_async(inline_params(uri, 2, 8))
    )
    await eventually(lambda: any(r.chunks_sent >= 2 for r in generations(fake_ollama)))
    fake_ollama.reply(" + self.side", prefix_endswith="x = 1")
    insert_text(client, uri, 2, 2, 8, "x = 1")  # disagrees: the generation is stale
    stalled = generations(fake_ollama)[0]
    await eventually(lambda: stalled.disconnected)
    assert first_text(await asyncio.wait_for(first, 10)) is None
    second = await client.text_document_inline_completion_async(inline_params(uri, 2, 13))
    assert first_text(second) is not None


async def test_ten_documents_typed_at_once_keep_one_generation_in_flight(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.configure(num_parallel=1)  # Ollama's one slot per model
    fake_ollama.add_rule(fim_middle_of=TOTAL, first_token_seconds=0.15)
    await initialize(
        client,
        init_options=settings_for(fake_ollama.url, debounce={"minMs": 25, "maxMs": 60}),
    )
    uris = [f"file:///project/doc{i}.py" for i in range(10)]
    for uri in uris:
        open_document(client, uri, TEXT)

    async def type_in(uri: str) -> Any:
        last = None
        for i, char in enumerate("total = self.side"):
            insert_text(client, uri, i + 2, 2, 8 + i, char)
            last = asyncio.ensure_future(
                client.text_document_inline_completion_async(
                    inline_params(uri, 2, 9 + i, invoked=False)
                )
            )
            await asyncio.sleep(0.04)
        assert last is not None
        return await last

    finals = await asyncio.wait_for(asyncio.gather(*(type_in(uri) for uri in uris)), 60)
    assert [first_text(f) for f in finals] == [" * 2"] * 10  # every document's last request
    records = generations(fake_ollama)
    # One at a time: the others waited in the server, where a request that went stale was
    # dropped unsent (before, all ten were open at Ollama at once). A cancelled one may still
    # be open for a moment when the next arrives.
    assert most_open_at_once(records) <= 2, most_open_at_once(records)
