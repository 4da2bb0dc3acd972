"""OllamaProvider: capabilities from /api/show, cached completions, early stop."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx

from ollama_lsp.ollama import OllamaClient
from ollama_lsp.providers import (
    AiCapabilities,
    AiProvider,
    AiResponseCache,
    ChatChunk,
    ChatMessage,
    CompletionPrompt,
    GenerationStats,
    ModelOptions,
    OllamaProvider,
)
from tests.unit.ollama.helpers import HOST, ControlledStream, chunk, final, make_client, ndjson

SHOW_CODELLAMA = {
    "template": "{{- if .Suffix }}<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>{{ end }}",
    "model_info": {"general.architecture": "llama", "llama.context_length": 16384},
    "capabilities": ["completion", "insert"],
}


@pytest.fixture
async def client() -> AsyncIterator[OllamaClient]:
    async with make_client(max_retries=0) as c:
        yield c


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=HOST) as router:
        yield router


def test_provider_implements_the_protocol(client: OllamaClient) -> None:
    provider = OllamaProvider(client)
    assert isinstance(provider, AiProvider)
    assert provider.name == "ollama"


async def test_capabilities_come_from_show_and_are_cached(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    route = api.post("/api/show").respond(json=SHOW_CODELLAMA)
    provider = OllamaProvider(client)
    expected = AiCapabilities(
        streaming=True, code_completion=True, fim=True, chat=True, context_window=16384
    )
    assert await provider.capabilities("codellama:7b-code") == expected
    assert await provider.capabilities("codellama:7b-code") == expected
    assert route.call_count == 1
    provider.forget_capabilities()
    await provider.capabilities("codellama:7b-code")
    assert route.call_count == 2


async def test_model_without_insert(client: OllamaClient, api: respx.MockRouter) -> None:
    api.post("/api/show").respond(
        json={
            "template": "{{ .Prompt }}",
            "model_info": {"general.architecture": "qwen2", "qwen2.context_length": 32768},
            "capabilities": ["completion", "tools"],
        }
    )
    capabilities = await OllamaProvider(client).capabilities("qwen2.5")
    assert not capabilities.fim
    assert capabilities.chat and capabilities.context_window == 32768


async def test_old_server_without_capabilities_uses_the_template(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    api.post("/api/show").respond(
        json={k: v for k, v in SHOW_CODELLAMA.items() if k != "capabilities"}
    )
    assert (await OllamaProvider(client).capabilities("codellama:7b-code")).fim


async def test_complete_code_sends_prompt_and_stop_then_caches(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    route = api.post("/api/generate").respond(content=ndjson(chunk("a, b"), chunk("):"), final()))
    cache = AiResponseCache()
    provider = OllamaProvider(client, cache)
    prompt = CompletionPrompt("<PRE> def add( <SUF> <MID>", raw=True, stop=("<EOT>",))
    options = ModelOptions(num_ctx=2048, max_tokens=32, temperature=0.1, stop=("\n\n",))

    first = await provider.complete_code(prompt, model="codellama:7b-code", options=options)
    assert (first.text, first.cached, first.stopped_early) == ("a, b):", False, False)
    assert first.stats is not None and first.stats.generated_tokens == 10
    body = json.loads(route.calls.last.request.content)
    assert body["raw"] is True and body["prompt"] == prompt.prompt
    assert body["options"] == {
        "num_ctx": 2048,
        "num_predict": 32,
        "temperature": 0.1,
        "stop": ["\n\n", "<EOT>"],
    }

    second = await provider.complete_code(prompt, model="codellama:7b-code", options=options)
    assert second.cached and second.text == first.text
    assert route.call_count == 1

    await provider.complete_code(
        prompt, model="codellama:7b-code", options=ModelOptions(max_tokens=8)
    )
    assert route.call_count == 2
    assert len(cache) == 2


async def test_suffix_is_sent_for_template_fim(client: OllamaClient, api: respx.MockRouter) -> None:
    route = api.post("/api/generate").respond(content=ndjson(chunk("x"), final()))
    await OllamaProvider(client).complete_code(
        CompletionPrompt("def f(", suffix="\n    return y"), model="m", options=None
    )
    body = json.loads(route.calls.last.request.content)
    assert body["suffix"] == "\n    return y" and "raw" not in body


async def test_should_stop_closes_the_stream_early(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    body = ControlledStream(ndjson(chunk("line 1\n"), chunk("line 2\n"), chunk("line 3\n")))
    api.post("/api/generate").respond(stream=body)
    cache = AiResponseCache()
    seen: list[str] = []

    def two_lines(text: str) -> bool:
        seen.append(text)
        return text.count("\n") >= 2

    result = await OllamaProvider(client, cache).complete_code(
        CompletionPrompt("x"), model="m", options=None, should_stop=two_lines
    )
    assert result.text == "line 1\nline 2\n"
    assert result.stopped_early
    # No counters from Ollama: the writing pace as the client saw it, one line per token.
    assert result.stats is not None and result.stats.generated_tokens == 2
    assert result.stats.prompt_tokens is None and result.stats.tokens_per_second
    assert seen == ["line 1\n", "line 1\nline 2\n"]
    assert body.closed
    assert len(cache) == 0  # partial results are not cached


async def test_stream_chat_speaks_the_provider_types(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        message = body["messages"][-1]["content"]
        return httpx.Response(
            200,
            content=ndjson(
                {
                    "model": "m",
                    "message": {"role": "assistant", "content": message.upper()},
                    "done": False,
                },
                {
                    "model": "m",
                    "message": {"role": "assistant", "content": ""},
                    "done": True,
                    "prompt_eval_count": 5,
                    "eval_count": 4,
                    "eval_duration": 2_000_000_000,
                },
            ),
        )

    route = api.post("/api/chat").mock(side_effect=reply)
    provider = OllamaProvider(client)
    chunks = [
        c
        async for c in provider.stream_chat(
            [ChatMessage("user", "yo")], model="m", options=ModelOptions(num_ctx=8192)
        )
    ]
    stats = GenerationStats(
        prompt_tokens=5, generated_tokens=4, tokens_per_second=2.0, generation_ms=2000.0
    )
    assert chunks == [ChatChunk("YO", False), ChatChunk("", True, stats)]
    body = json.loads(route.calls.last.request.content)
    assert body["messages"] == [{"role": "user", "content": "yo"}]
    assert body["options"] == {"num_ctx": 8192}
