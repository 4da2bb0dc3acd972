"""Two Ollama endpoints behind one server: documents spread and stay put, a slow or dead
server loses its documents, and ``ollama.status`` shows each endpoint's share."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pytest_lsp import LanguageClient

from tests.e2e.conftest import generations, initialize, inline_params, open_document
from tests.e2e.session import execute, start, stop
from tests.fake_ollama import FakeOllama

MODEL = "qwen2.5-coder:1.5b-base"


@pytest.fixture
def second_ollama() -> Iterator[FakeOllama]:
    with FakeOllama() as fake:
        yield fake


def loaded(*fakes: FakeOllama) -> None:
    """Load the model on each server first, as a team's servers have it."""
    for fake in fakes:
        httpx.post(f"{fake.url}/api/generate", json={"model": MODEL}).raise_for_status()


def document(i: int) -> tuple[str, str]:
    return f"file:///project/m{i}.py", f"# module {i}\ndef f{i}(x):\n    return x"


async def session(tmp_path: Path, *fakes: FakeOllama) -> LanguageClient:
    client = await start(tmp_path / "s.db")
    await initialize(
        client,
        settings={
            "endpoints": [fake.url for fake in fakes],
            "completion": {"model": MODEL, "debounce": {"minMs": 0, "maxMs": 0}},
        },
    )
    return client


async def complete(client: LanguageClient, i: int, times: int) -> None:
    uri, _ = document(i)
    for column in range(times):  # the cursor moves back: a new generation each time
        await asyncio.wait_for(
            client.text_document_inline_completion_async(inline_params(uri, 2, 12 - column)),
            10,
        )


def served(fake: FakeOllama) -> list[int]:
    """Which documents each generation on ``fake`` was for."""
    return [int(r.prompt.split("# module ", 1)[1].split("\n", 1)[0]) for r in generations(fake)]


async def test_documents_spread_over_the_servers_and_each_stays_on_its_own(
    tmp_path: Path, fake_ollama: FakeOllama, second_ollama: FakeOllama
) -> None:
    loaded(fake_ollama, second_ollama)
    client = await session(tmp_path, fake_ollama, second_ollama)
    try:
        for i in range(12):
            open_document(client, *document(i))
        for i in range(12):
            await complete(client, i, 3)
        status = await execute(client, "ollama.status")
    finally:
        await stop(client)
    on_first, on_second = set(served(fake_ollama)), set(served(second_ollama))
    assert on_first and on_second  # both servers took documents
    assert not on_first & on_second  # and no document moved
    shares = [e["share"] for e in status["endpoints"]]
    assert sum(shares) == pytest.approx(1.0) and all(0 < share < 1 for share in shares)
    assert all(MODEL in e["loadedModels"] for e in status["endpoints"])


async def test_a_slow_server_loses_its_documents_to_a_quick_one(
    tmp_path: Path, fake_ollama: FakeOllama, second_ollama: FakeOllama
) -> None:
    loaded(fake_ollama, second_ollama)
    fake_ollama.configure(first_token_seconds=0.3)  # far slower than the other
    client = await session(tmp_path, fake_ollama, second_ollama)
    try:
        for i in range(6):
            open_document(client, *document(i))
            await complete(client, i, 4)
        status = await execute(client, "ollama.status")
    finally:
        await stop(client)
    slow, quick = Counter(served(fake_ollama)), Counter(served(second_ollama))
    # a document leaves once a request with its prompt cached is slow too
    assert all(count <= 2 for count in slow.values())
    assert all(quick[i] >= 2 for i in range(6))
    slow_state, quick_state = status["endpoints"]
    assert quick_state["share"] > slow_state["share"]
    assert slow_state["latencyMs"] is None or slow_state["latencyMs"] > quick_state["latencyMs"]


async def test_a_server_that_is_down_is_skipped_and_shown_as_down(
    tmp_path: Path, fake_ollama: FakeOllama, second_ollama: FakeOllama
) -> None:
    loaded(second_ollama)
    fake_ollama.refuse_connections()
    client = await session(tmp_path, fake_ollama, second_ollama)
    try:
        for i in range(4):
            open_document(client, *document(i))
            await complete(client, i, 2)
        status = await execute(client, "ollama.status")
    finally:
        await stop(client)
    assert sorted(set(served(second_ollama))) == [0, 1, 2, 3]
    down, up = status["endpoints"]
    assert down["healthy"] is False and up["healthy"] is True and up["share"] == 1.0
