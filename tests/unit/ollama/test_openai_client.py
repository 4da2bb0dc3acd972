"""The OpenAI-compatible client at the HTTP edge: SSE streams, the error tree, credentials."""

from __future__ import annotations

import json
from contextlib import aclosing
from typing import Any

import httpx
import pytest
import respx

from ollama_lsp.ollama import (
    ApiError,
    AuthenticationFailed,
    BadResponse,
    ClientSettings,
    InsertNotSupported,
    ModelNotFound,
    OllamaUnreachable,
    OpenAIClient,
    ServerBusy,
    TextDelta,
    Usage,
)
from tests.unit.ollama.helpers import ControlledStream

URL = "http://127.0.0.1:8000"


def sse(*events: dict[str, Any] | str) -> bytes:
    """``data:`` events as an SSE body, as vLLM and llama.cpp's server send them."""
    lines = [f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in events]
    return "".join(lines).encode()


def piece(text: str, finish: str | None = None) -> dict[str, Any]:
    return {"object": "text_completion", "choices": [{"text": text, "finish_reason": finish}]}


def client(url: str = URL, **overrides: Any) -> OpenAIClient:
    values: dict[str, Any] = {"endpoints": (url,), "retry_backoff": 0.0, "max_retries": 0}
    return OpenAIClient(ClientSettings(**{**values, **overrides}))


def streaming(body: bytes | httpx.AsyncByteStream) -> httpx.Response:
    headers = {"content-type": "text/event-stream; charset=utf-8"}
    if isinstance(body, bytes):
        return httpx.Response(200, headers=headers, content=body)
    return httpx.Response(200, headers=headers, stream=body)


async def collect(stream: Any) -> list[TextDelta]:
    return [delta async for delta in stream]


async def test_a_completion_streams_its_pieces_and_usage() -> None:
    body = sse(
        piece("    return"),
        piece(" a + b"),
        piece("", "stop"),
        {"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 2}},
        "[DONE]",
    )
    with respx.mock(base_url=URL) as server:
        route = server.post("/v1/completions").mock(return_value=streaming(body))
        async with client(f"{URL}/v1") as engine:  # a base URL with /v1, as OpenAI's clients
            deltas = await collect(
                engine.complete_stream(
                    "m", "def add(a, b):\n", max_tokens=16, stop=["\n\n", "\n\n"]
                )
            )
    sent = json.loads(route.calls.last.request.content)
    assert sent == {
        "model": "m",
        "prompt": "def add(a, b):\n",
        "max_tokens": 16,
        "stop": ["\n\n"],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    assert "".join(d.text for d in deltas) == "    return a + b"
    assert deltas[-2].finish_reason == "stop" and deltas[-1].usage == Usage(9, 2)


async def test_a_sampled_completion_sends_its_temperature_and_seed() -> None:
    body = sse(piece("x", "stop"), "[DONE]")
    with respx.mock(base_url=URL) as server:
        route = server.post("/v1/completions").mock(return_value=streaming(body))
        async with client(URL) as engine:
            await collect(engine.complete_stream("m", "p", temperature=0.8, seed=7))
    sent = json.loads(route.calls.last.request.content)
    assert sent["temperature"] == 0.8 and sent["seed"] == 7


async def test_a_chat_streams_content_and_skips_role_chunks() -> None:
    body = sse(
        {"choices": [{"delta": {"role": "assistant"}, "finish_reason": None}]},
        {"choices": [{"delta": {"content": "Hel"}, "finish_reason": None}]},
        {"choices": [{"delta": {"content": "lo"}, "finish_reason": None}]},
        {"choices": [{"delta": {}, "finish_reason": "stop"}]},
        "[DONE]",
    )
    with respx.mock(base_url=URL) as server:
        route = server.post("/v1/chat/completions").mock(return_value=streaming(body))
        async with client() as engine:
            deltas = await collect(engine.chat_stream("m", [{"role": "user", "content": "Hi"}]))
    assert [d.text for d in deltas] == ["Hel", "lo", ""]
    assert deltas[-1].finish_reason == "stop"
    assert json.loads(route.calls.last.request.content)["messages"] == [
        {"role": "user", "content": "Hi"}
    ]


async def test_closing_the_stream_closes_the_response() -> None:
    body = ControlledStream(sse(piece("a")), sse(piece("b")))
    with respx.mock(base_url=URL) as server:
        server.post("/v1/completions").mock(return_value=streaming(body))
        async with client() as engine, aclosing(engine.complete_stream("m", "x")) as stream:
            async for _ in stream:
                break
    assert body.closed


ERRORS = [
    # vLLM
    (404, {"object": "error", "message": "The model `m` does not exist.", "code": 404},
     ModelNotFound, "model 'm' is not served by"),
    (400, {"error": {"message": "suffix is not currently supported", "code": 400}},
     InsertNotSupported, "does not take a suffix"),
    # llama-cpp-python
    (400, {"error": {"message": "This model's maximum context length is 2048 tokens",
                     "type": "invalid_request_error", "code": "context_length_exceeded"}},
     ApiError, "completion.numCtx"),
    (401, {"error": {"message": "Invalid API Key", "type": "invalid_request_error"}},
     AuthenticationFailed, "check ollama.apiKey"),
    (503, {"error": {"message": "The server is overloaded"}}, ServerBusy, "is busy"),
    (500, "Internal Server Error", ApiError, "answered 500: Internal Server Error"),
]  # fmt: skip


@pytest.mark.parametrize(("status", "body", "kind", "text"), ERRORS)
async def test_error_answers_become_the_client_errors(
    status: int, body: dict[str, Any] | str, kind: type[Exception], text: str
) -> None:
    content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    with respx.mock(base_url=URL) as server:
        server.post("/v1/completions").respond(status, content=content)
        async with client() as engine:
            with pytest.raises(kind) as caught:
                await collect(engine.complete_stream("m", "x"))
    assert text in str(caught.value)


async def test_an_error_event_inside_the_stream_raises() -> None:
    body = sse(piece("a"), {"error": {"message": "CUDA error: out of bounds", "code": 500}})
    with respx.mock(base_url=URL) as server:
        server.post("/v1/completions").mock(return_value=streaming(body))
        async with client() as engine:
            with pytest.raises(ApiError, match="failed while answering: CUDA error"):
                await collect(engine.complete_stream("m", "x"))


async def test_a_stream_cut_before_done_is_a_bad_response() -> None:
    with respx.mock(base_url=URL) as server:
        server.post("/v1/completions").mock(return_value=streaming(sse(piece("a"))))
        async with client() as engine:
            with pytest.raises(BadResponse, match="ended before"):
                await collect(engine.complete_stream("m", "x"))


async def test_an_unreachable_server_is_named_as_such() -> None:
    async with client("http://127.0.0.1:9") as engine:
        with pytest.raises(OllamaUnreachable) as caught:
            await engine.models()
    assert caught.value.message.startswith(
        "the OpenAI-compatible server is not running at http://127.0.0.1:9: start it"
    )


async def test_the_key_never_shows_in_an_error() -> None:
    with respx.mock(base_url=URL) as server:
        server.post("/v1/completions").respond(500, json={"error": "bad header Bearer sk-123"})
        async with client(api_key="sk-123") as engine:
            with pytest.raises(ApiError) as caught:
                await collect(engine.complete_stream("m", "x"))
    assert "sk-123" not in caught.value.message and "***" in caught.value.message


@pytest.mark.parametrize(("url", "sent"), [(URL, True), ("http://10.0.0.5:8000", False)])
async def test_the_key_goes_only_to_this_machine_or_over_https(url: str, sent: bool) -> None:
    with respx.mock(base_url=url) as server:
        route = server.get("/v1/models").respond(401, json={"error": "unauthorized"})
        async with client(url, api_key="sk-1") as engine:
            with pytest.raises(AuthenticationFailed) as caught:
                await engine.models()
    assert ("authorization" in route.calls.last.request.headers) == sent
    assert ("the API key was not sent" in caught.value.message) == (not sent)


async def test_served_models_answer_the_model_questions() -> None:
    listing = {"object": "list", "data": [{"id": "Qwen/Qwen2.5-Coder-1.5B", "max_model_len": 8192}]}
    with respx.mock(base_url=URL) as server:
        route = server.get("/v1/models").respond(200, json=listing)
        async with client() as engine:
            running = await engine.running()
            info = await engine.show("Qwen/Qwen2.5-Coder-1.5B")
            await engine.load("Qwen/Qwen2.5-Coder-1.5B")
            with pytest.raises(ModelNotFound) as missing:
                await engine.load("codellama:7b-code")
    assert [m.name for m in running] == ["Qwen/Qwen2.5-Coder-1.5B"]
    assert info.context_length == 8192
    assert "it serves: Qwen/Qwen2.5-Coder-1.5B" in missing.value.message
    assert route.call_count == 1  # the list is cached
