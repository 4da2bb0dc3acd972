"""The same completion and chat scenarios through both APIs, each against a real engine.

``ollama``: the emulator serving the gemma3 270M GGUF with llama.cpp, as Ollama would.
``openai``: llama-cpp-python's own OpenAI-compatible server serving the same GGUF, configured
as ``{"url": ..., "api": "openai"}``. The model is tiny, so the tests check what the path must
deliver (a suggestion, a streamed answer, a cancellation that reaches the engine), not the
wisdom of the text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytest_lsp import LanguageClient

from tests.e2e.conftest import eventually, initialize, inline_params, open_document
from tests.e2e.session import execute, start, stop
from tests.fake_ollama import FakeOllama
from tests.openai_engine import MODEL, LlamaCppServer

pytestmark = pytest.mark.real_model

URI = "file:///project/calc.py"
TEXT = "import math\n\n\ndef add(a, b):\n    return a +"


@dataclass
class Engine:
    api: str
    url: str
    #: Whether the engine saw the client leave a generation (the stream was closed).
    saw_disconnect: Any

    def endpoint(self) -> str | dict[str, str]:
        return self.url if self.api == "ollama" else {"url": f"{self.url}/v1", "api": "openai"}


@pytest.fixture(scope="module", params=["ollama", "openai"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    if request.param == "ollama":
        with FakeOllama() as fake:
            try:
                fake.use_real_model(MODEL)
            except RuntimeError as missing:
                pytest.skip(f"real-model extra not installed: {missing}")
            yield Engine("ollama", fake.url, lambda: fake.counters.generations_cancelled > 0)
        return
    try:
        server = LlamaCppServer().start()
    except RuntimeError as missing:
        pytest.skip(f"llama-cpp-python's server cannot run here: {missing}")
    try:
        yield Engine("openai", server.url, lambda: "Disconnected from client" in server.tail(50))
    finally:
        server.stop()


def settings(engine: Engine) -> dict[str, Any]:
    return {
        "endpoints": [engine.endpoint()],
        "completion": {"model": MODEL, "temperature": 0, "debounce": {"minMs": 0, "maxMs": 0}},
        "chat": {"model": MODEL},
    }


async def session(tmp_path: Path, engine: Engine) -> LanguageClient:
    client = await start(tmp_path / "s.db")
    await initialize(client, settings=settings(engine))
    return client


async def test_an_inline_suggestion_comes_from_the_engine(tmp_path: Path, engine: Engine) -> None:
    client = await session(tmp_path, engine)
    try:
        open_document(client, URI, TEXT)
        line = TEXT.count("\n")
        result = await asyncio.wait_for(
            client.text_document_inline_completion_async(
                inline_params(URI, line, len(TEXT.rsplit("\n", 1)[-1]))
            ),
            60,
        )
        status = await execute(client, "ollama.status")
    finally:
        await stop(client)
    items = result.items if hasattr(result, "items") else result
    assert items and items[0].insert_text.strip()
    (endpoint,) = status["endpoints"]
    assert endpoint["api"] == engine.api and endpoint["healthy"] is True
    assert MODEL in endpoint["loadedModels"]


async def test_chat_streams_the_answer_and_a_cancel_stops_the_engine(
    tmp_path: Path, engine: Engine
) -> None:
    """The tiny model's answers run on for minutes: the chat is stopped after a few pieces."""
    client = await session(tmp_path, engine)
    deltas: list[dict[str, Any]] = client.chat_deltas  # type: ignore[attr-defined]
    try:
        pending = asyncio.ensure_future(
            execute(client, "ollama.chat", {"message": "Tell a long story.", "conversationId": "b"})
        )
        await eventually(lambda: len(deltas) >= 3, within=60)
        cancel = await execute(client, "ollama.cancelChat", {"conversationId": "b"})
        answer = await pending
        await eventually(engine.saw_disconnect, within=10)
    finally:
        await stop(client)
    assert cancel == {"cancelled": True}
    assert answer["model"] == MODEL and answer["cancelled"] is True
    assert answer["content"] == "".join(d["delta"] for d in deltas)
    assert answer["evalCount"] >= 3 and deltas[-1]["done"] is True
