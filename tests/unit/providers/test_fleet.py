"""The fleet at the HTTP edge: where requests go, failover, and what each API can do."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from ollama_lsp.ollama import (
    ClientSettings,
    ModelNotFound,
    NotSupported,
    OllamaClient,
    OpenAIClient,
)
from ollama_lsp.providers import ChatMessage, CompletionPrompt, Fleet
from tests.unit.ollama.helpers import chunk, final, ndjson

A, B = "http://127.0.0.1:11434", "http://127.0.0.1:11435"
VLLM = "http://127.0.0.1:8000"
MODEL = "qwen2.5-coder:1.5b-base"
PROMPT = CompletionPrompt("<fim_prefix>def f():<fim_suffix><fim_middle>", raw=True)


def fleet(*endpoints: str, **settings: Any) -> Fleet:
    return Fleet(ClientSettings(endpoints=endpoints, retry_backoff=0.0, **settings))


def generated(text: str) -> httpx.Response:
    return httpx.Response(200, content=ndjson(chunk(text, MODEL), final(MODEL)))


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        for url in (A, B):  # what each endpoint has: the model, loaded
            router.get(f"{url}/api/ps").respond(json={"models": [{"name": MODEL}]})
            router.get(f"{url}/api/tags").respond(json={"models": [{"name": MODEL}]})
        yield router


async def test_a_document_stays_on_its_server(mock: respx.MockRouter) -> None:
    a = mock.post(f"{A}/api/generate").mock(return_value=generated(" 1"))
    b = mock.post(f"{B}/api/generate").mock(return_value=generated(" 2"))
    async with fleet(A, B) as endpoints:
        first = await endpoints.complete_code(PROMPT, model=MODEL, affinity="file:///a.py")
        again = [
            (await endpoints.complete_code(PROMPT, model=MODEL, affinity="file:///a.py")).text
            for _ in range(3)
        ]
    assert again == [first.text] * 3
    assert sorted((a.call_count, b.call_count)) == [0, 1]  # then the response cache answered


async def test_a_server_that_refuses_connections_is_skipped(mock: respx.MockRouter) -> None:
    mock.post(f"{A}/api/generate").mock(side_effect=httpx.ConnectError("refused"))
    b = mock.post(f"{B}/api/generate").mock(return_value=generated(" 2"))
    async with fleet(A, B) as endpoints:
        results = [
            await endpoints.complete_code(PROMPT, model=MODEL, affinity=f"file:///{i}.py")
            for i in range(6)
        ]
        state = {s.url: s for s in endpoints.router.states()}
    assert {r.text for r in results} == {" 2"} and b.call_count >= 1
    assert state[A].healthy is False and state[A].failures >= 1
    assert state[B].share > 0.5


async def test_a_server_without_the_model_passes_the_request_on(mock: respx.MockRouter) -> None:
    missing = {"error": f"model '{MODEL}' not found"}
    mock.post(f"{A}/api/generate").respond(404, json=missing)
    mock.post(f"{B}/api/generate").mock(return_value=generated(" 2"))
    async with fleet(A, B) as endpoints:
        texts = [
            (await endpoints.complete_code(PROMPT, model=MODEL, affinity=f"d{i}")).text
            for i in range(6)
        ]
    assert texts == [" 2"] * 6


async def test_when_no_server_has_the_model_the_user_is_told(mock: respx.MockRouter) -> None:
    for url in (A, B):
        mock.post(f"{url}/api/generate").respond(404, json={"error": "model not found"})
    async with fleet(A, B) as endpoints:
        with pytest.raises(ModelNotFound, match="is not pulled on"):
            await endpoints.complete_code(PROMPT, model=MODEL)


async def test_a_chat_moves_on_before_its_first_chunk_only(mock: respx.MockRouter) -> None:
    mock.post(f"{A}/api/chat").mock(side_effect=httpx.ConnectError("refused"))
    answer = {"model": MODEL, "message": {"role": "assistant", "content": "Hi"}, "done": False}
    last = {"model": MODEL, "message": {"role": "assistant", "content": ""}, "done": True}
    mock.post(f"{B}/api/chat").respond(content=ndjson(answer, last))
    async with fleet(A, B) as endpoints:
        chunks = [
            c
            async for c in endpoints.stream_chat(
                [ChatMessage("user", "Hello")], model=MODEL, affinity="conversation"
            )
        ]
        state = {s.url: s for s in endpoints.router.states()}
    assert "".join(c.text for c in chunks) == "Hi" and chunks[-1].done
    assert state[B].requests == 1 and state[B].in_flight == 0


async def test_one_endpoint_sends_nothing_but_the_request() -> None:
    with respx.mock(base_url=A) as only:  # every route must be called, no other may be
        only.post("/api/generate").mock(return_value=generated(" 1"))
        async with fleet(A) as endpoints:
            result = await endpoints.complete_code(PROMPT, model=MODEL, affinity="doc")
    assert result.text == " 1"


def openai_stream(text: str) -> httpx.Response:
    events = [{"choices": [{"text": text, "finish_reason": None}]}, "[DONE]"]
    body = "".join(f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in events)
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, text=body)


async def test_an_openai_endpoint_completes_and_says_what_it_cannot_do() -> None:
    served = {"data": [{"id": MODEL, "max_model_len": 8192}]}
    with respx.mock(base_url=VLLM) as server:
        server.get("/v1/models").respond(json=served)
        route = server.post("/v1/completions").mock(return_value=openai_stream(" 1"))
        async with fleet(VLLM, apis={VLLM: "openai"}) as endpoints:
            capabilities = await endpoints.capabilities(MODEL)
            result = await endpoints.complete_code(PROMPT, model=MODEL)
            assert isinstance(endpoints.client_for(MODEL), OpenAIClient)
            with pytest.raises(NotSupported) as pull:
                endpoints.ollama_for("pull", MODEL)
    assert capabilities.fim is None and capabilities.context_window == 8192
    assert result.text == " 1"
    assert json.loads(route.calls.last.request.content)["prompt"] == PROMPT.prompt
    assert pull.value.message.startswith(f"{VLLM} is an OpenAI-compatible server, which cannot")
    assert "pull models" in pull.value.message


def test_model_management_goes_to_the_ollama_endpoint_of_a_mixed_fleet() -> None:
    endpoints = fleet(VLLM, A, apis={VLLM: "openai"})
    client = endpoints.ollama_for("delete", MODEL)
    assert isinstance(client, OllamaClient) and client.settings.endpoints == (A,)
