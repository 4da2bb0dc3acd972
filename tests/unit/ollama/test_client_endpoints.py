"""Every endpoint of the client against respx-mocked Ollama answers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from ollama_lsp.ollama import (
    AuthenticationFailed,
    ChatMessage,
    ModelDetails,
    OllamaClient,
    ProgressStatus,
    PullProgress,
)
from tests.unit.ollama.helpers import HOST, chunk, final, make_client, ndjson


@pytest.fixture
async def client() -> AsyncIterator[OllamaClient]:
    async with make_client() as c:
        yield c


def sent(route: respx.Route) -> dict[str, object]:
    body: dict[str, object] = json.loads(route.calls.last.request.content)
    return body


async def test_generate_joins_chunks_and_keeps_final_metrics(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    route = api.post("/api/generate").respond(
        content=ndjson(chunk("def "), chunk("add"), final(context=[1, 2]))
    )
    result = await client.generate(
        "m",
        "prefix",
        suffix="suffix",
        options={"num_predict": 8, "stop": ["\n\n"]},
        keep_alive="5m",
    )
    assert result.response == "def add"
    assert result.done and result.done_reason == "stop"
    assert result.context == (1, 2)
    assert result.metrics is not None
    assert result.metrics.eval_count == 10
    assert result.metrics.tokens_per_second == pytest.approx(20.0)
    assert result.endpoint == HOST
    assert sent(route) == {
        "model": "m",
        "prompt": "prefix",
        "stream": True,
        "suffix": "suffix",
        "options": {"num_predict": 8, "stop": ["\n\n"]},
        "keep_alive": "5m",
    }


async def test_generate_stream_yields_typed_chunks_and_sends_raw(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    route = api.post("/api/generate").respond(content=ndjson(chunk("a"), chunk("b"), final()))
    seen = [c async for c in client.generate_stream("m", "<PRE> x <SUF>y <MID>", raw=True)]
    assert [c.response for c in seen] == ["a", "b", ""]
    assert [c.done for c in seen] == [False, False, True]
    assert seen[0].metrics is None
    assert sent(route)["raw"] is True
    assert "suffix" not in sent(route)


async def test_chat_and_chat_stream(client: OllamaClient, api: respx.MockRouter) -> None:
    def message(text: str, done: bool) -> dict[str, object]:
        return {"model": "m", "message": {"role": "assistant", "content": text}, "done": done}

    route = api.post("/api/chat").respond(
        content=ndjson(
            message("Hel", False), message("lo", False), {**message("", True), **final()}
        )
    )
    reply = await client.chat("m", [ChatMessage("user", "hi"), {"role": "system", "content": "s"}])
    assert reply.message == ChatMessage("assistant", "Hello")
    assert reply.metrics is not None and reply.metrics.eval_count == 10
    assert sent(route)["messages"] == [
        {"role": "user", "content": "hi"},
        {"role": "system", "content": "s"},
    ]
    pieces = [c.message.content async for c in client.chat_stream("m", [ChatMessage("user", "x")])]
    assert pieces == ["Hel", "lo", ""]


async def test_load_and_unload(client: OllamaClient, api: respx.MockRouter) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        reason = "unload" if body.get("keep_alive") == 0 else "load"
        return httpx.Response(
            200, json={"model": body["model"], "response": "", "done": True, "done_reason": reason}
        )

    route = api.post("/api/generate").mock(side_effect=answer)
    loaded = await client.load("m", keep_alive=-1)
    assert loaded.done_reason == "load"
    assert sent(route) == {"model": "m", "prompt": "", "stream": True, "keep_alive": -1}
    assert (await client.unload("m")).done_reason == "unload"
    assert sent(route)["keep_alive"] == 0


async def test_list_models(client: OllamaClient, api: respx.MockRouter) -> None:
    api.get("/api/tags").respond(
        json={
            "models": [
                {
                    "name": "tinyllama:latest",
                    "model": "tinyllama:latest",
                    "modified_at": "2026-09-25T12:53:40.297500004Z",
                    "size": 637700138,
                    "digest": "2644915ede35",
                    "details": {
                        "parent_model": "",
                        "format": "gguf",
                        "family": "llama",
                        "families": ["llama"],
                        "parameter_size": "1B",
                        "quantization_level": "Q4_0",
                    },
                    "capabilities": ["completion"],
                },
                {"name": "old:latest", "size": 1, "digest": "d", "details": {"families": None}},
            ]
        }
    )
    models = await client.list_models()
    assert [m.name for m in models] == ["tinyllama:latest", "old:latest"]
    assert models[0].size == 637700138
    assert models[0].details == ModelDetails("gguf", "llama", ("llama",), "1B", "Q4_0", None)
    assert models[0].capabilities == ("completion",)
    assert models[1].model == "old:latest" and models[1].details.families == ()


async def test_empty_model_list(client: OllamaClient, api: respx.MockRouter) -> None:
    api.get("/api/tags").respond(json={"models": []})
    assert await client.list_models() == []


async def test_show_reads_capabilities_and_context_length(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    route = api.post("/api/show").respond(
        json={
            "template": "{{- if .Suffix }}<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>{{ end }}",
            "parameters": "stop <EOT>",
            "details": {"family": "llama"},
            "model_info": {"general.architecture": "llama", "llama.context_length": 16384},
            "capabilities": ["completion", "insert"],
            "modified_at": "2026-01-01T00:00:00Z",
        }
    )
    info = await client.show("codellama:7b-code")
    assert sent(route) == {"model": "codellama:7b-code"}
    assert info.supports_insert
    assert info.context_length == 16384
    assert info.parameters == "stop <EOT>"
    assert info.details.family == "llama"
    assert info.endpoint == HOST


async def test_show_without_context_length(client: OllamaClient, api: respx.MockRouter) -> None:
    api.post("/api/show").respond(json={"capabilities": ["completion"], "model_info": {}})
    info = await client.show("m")
    assert info.context_length is None
    assert not info.supports_insert


async def test_running(client: OllamaClient, api: respx.MockRouter) -> None:
    api.get("/api/ps").respond(
        json={
            "models": [
                {
                    "name": "m:latest",
                    "model": "m:latest",
                    "size": 100,
                    "size_vram": 40,
                    "digest": "abc",
                    "details": {"family": "llama"},
                    "expires_at": "2026-01-01T00:05:00Z",
                    "context_length": 4096,
                }
            ]
        }
    )
    (running,) = await client.running()
    assert (running.size, running.size_vram, running.context_length) == (100, 40, 4096)
    assert running.expires_at == "2026-01-01T00:05:00Z"


async def test_pull_streams_progress_until_success(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    api.post("/api/pull").respond(
        content=ndjson(
            {"status": "pulling manifest"},
            {"status": "pulling 6a0746a1ec1a", "digest": "sha256:6a07", "total": 100},
            {
                "status": "pulling 6a0746a1ec1a",
                "digest": "sha256:6a07",
                "total": 100,
                "completed": 100,
            },
            {"status": "verifying sha256 digest"},
            {"status": "writing manifest"},
            {"status": "success"},
        )
    )
    events = [e async for e in client.pull("m")]
    assert events[0] == PullProgress("pulling manifest")
    assert events[2] == PullProgress("pulling 6a0746a1ec1a", "sha256:6a07", 100, 100)
    assert events[-1].status == "success"


async def test_create_with_quantize(client: OllamaClient, api: respx.MockRouter) -> None:
    route = api.post("/api/create").respond(
        content=ndjson(
            {"status": "quantizing F16 model to Q4_K_M", "total": 80, "completed": 20},
            {"status": "success"},
        )
    )
    events = [e async for e in client.create("m-q4", from_="m-f16", quantize="q4_K_M")]
    assert events == [
        ProgressStatus("quantizing F16 model to Q4_K_M", total=80, completed=20),
        ProgressStatus("success"),
    ]
    assert sent(route) == {"model": "m-q4", "from": "m-f16", "quantize": "q4_K_M", "stream": True}


async def test_delete_and_copy_accept_empty_bodies(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    delete = api.delete("/api/delete").respond(200)
    copy = api.post("/api/copy").respond(200)
    await client.delete("m")
    await client.copy("m", "m-backup")
    assert sent(delete) == {"model": "m"}
    assert sent(copy) == {"source": "m", "destination": "m-backup"}


async def test_version_and_health(client: OllamaClient, api: respx.MockRouter) -> None:
    api.get("/").respond(text="Ollama is running")
    api.get("/api/version").respond(json={"version": "0.12.6"})
    assert await client.version() == "0.12.6"
    (health,) = await client.health()
    assert health.url == HOST and health.healthy and health.version == "0.12.6"


async def test_health_reports_an_unreachable_endpoint(api: respx.MockRouter) -> None:
    api.get("/").mock(side_effect=httpx.ConnectError("refused"))
    async with make_client() as client:
        (health,) = await client.health()
    assert not health.healthy
    assert health.error == "ConnectError"


async def test_bearer_token_and_extra_headers_are_sent(api: respx.MockRouter) -> None:
    route = api.get("/api/version").respond(json={"version": "1"})
    async with make_client(api_key="tok-1", headers={"X-Team": "blue"}) as client:
        await client.version()
    headers = route.calls.last.request.headers
    assert headers["authorization"] == "Bearer tok-1"
    assert headers["x-team"] == "blue"


@pytest.mark.parametrize(
    ("endpoint", "allow", "sent"),
    [
        ("http://10.0.0.5:11434", False, False),
        ("http://gpu.example:11434", False, False),
        ("http://10.0.0.5:11434", True, True),
        ("https://gpu.example:443", False, True),
        ("http://localhost:11434", False, True),
        ("http://127.0.0.2:11434", False, True),
        ("http://[::1]:11434", False, True),
    ],
)
async def test_credentials_go_only_over_https_or_to_this_machine(
    endpoint: str, allow: bool, sent: bool, caplog: pytest.LogCaptureFixture
) -> None:
    with respx.mock(base_url=endpoint) as server:
        route = server.get("/api/version").respond(json={"version": "1"})
        secret = {"X-Api-Key": "hdr-1", "X-Team": "blue"}
        async with make_client(
            endpoint, api_key="tok-1", headers=secret, allow_insecure_auth=allow
        ) as client:
            await client.version()
    headers = route.calls.last.request.headers
    assert ("authorization" in headers, "x-api-key" in headers) == (sent, sent)
    assert headers["x-team"] == "blue"
    warned = "the API key was not sent" in caplog.text
    assert warned == (not sent)


async def test_a_proxy_refusing_the_withheld_key_says_why() -> None:
    with respx.mock(base_url="http://10.0.0.5:11434") as server:
        server.get("/api/tags").respond(401, text="Unauthorized")
        async with make_client("http://10.0.0.5:11434", api_key="tok-1", max_retries=0) as client:
            with pytest.raises(AuthenticationFailed) as caught:
                await client.list_models()
    assert caught.value.message.startswith(
        "the API key was not sent: http://10.0.0.5:11434 is plain HTTP to another machine"
    )
    assert "ollama.allowInsecureAuth" in caught.value.message


async def test_path_prefix_is_kept() -> None:
    with respx.mock(base_url="https://proxy.example:443/ollama") as proxy:
        route = proxy.get("/api/version").respond(json={"version": "1"})
        async with make_client("https://proxy.example/ollama/") as client:
            assert await client.version() == "1"
    assert route.called
