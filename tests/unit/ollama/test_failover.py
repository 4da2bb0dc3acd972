"""Several endpoints: health order, failover on connection failure, routing by model."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
import respx

from ollama_lsp.ollama import ModelNotFound, OllamaUnreachable
from tests.unit.ollama.helpers import HOST, OTHER, chunk, final, make_client, ndjson


@pytest.fixture
def net() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


def healthy(router: respx.MockRouter, base: str, *models: str) -> None:
    router.get(f"{base}/").respond(text="Ollama is running")
    router.get(f"{base}/api/version").respond(json={"version": "0.12.6"})
    router.get(f"{base}/api/tags").respond(
        json={"models": [{"name": m, "model": m, "size": 1, "digest": "d"} for m in models]}
    )


def down(router: respx.MockRouter, base: str) -> None:
    router.route(url__startswith=base).mock(side_effect=httpx.ConnectError("refused"))


def generating(router: respx.MockRouter, base: str, text: str) -> respx.Route:
    return router.post(f"{base}/api/generate").respond(content=ndjson(chunk(text), final()))


async def test_down_first_endpoint_is_skipped(net: respx.MockRouter) -> None:
    down(net, HOST)
    healthy(net, OTHER)
    route = generating(net, OTHER, "from other")
    async with make_client(HOST, OTHER) as client:
        result = await client.generate("m", "x")
    assert result.response == "from other"
    assert result.endpoint == OTHER
    assert route.call_count == 1


async def test_connection_failure_fails_over_to_the_next_endpoint(net: respx.MockRouter) -> None:
    healthy(net, HOST, "m")
    healthy(net, OTHER, "m")
    first = net.post(f"{HOST}/api/generate").mock(side_effect=httpx.ConnectError("refused"))
    second = generating(net, OTHER, "ok")
    async with make_client(HOST, OTHER, max_retries=0) as client:
        result = await client.generate("m", "x")
        assert result.endpoint == OTHER
        # The failed endpoint is now ordered last, so the next request goes straight to OTHER.
        assert await client.endpoint_for("m") == OTHER
    assert first.call_count == 1 and second.call_count == 1


async def test_first_healthy_endpoint_wins_in_configured_order(net: respx.MockRouter) -> None:
    healthy(net, HOST, "m")
    healthy(net, OTHER, "m")
    route = generating(net, HOST, "first")
    async with make_client(HOST, OTHER) as client:
        assert (await client.generate("m", "x")).endpoint == HOST
    assert route.called


async def test_model_request_goes_to_the_endpoint_that_has_it(net: respx.MockRouter) -> None:
    healthy(net, HOST, "llama3.2:latest")
    healthy(net, OTHER, "codellama:7b-code")
    route = generating(net, OTHER, "code")
    async with make_client(HOST, OTHER) as client:
        assert await client.endpoint_for("CodeLlama:7b-code") == OTHER
        assert await client.endpoint_for("llama3.2") == HOST
        result = await client.generate("codellama:7b-code", "x")
    assert result.endpoint == OTHER and route.called


async def test_model_lists_are_cached(net: respx.MockRouter) -> None:
    healthy(net, HOST, "a")
    healthy(net, OTHER, "b")
    async with make_client(HOST, OTHER) as client:
        for _ in range(3):
            assert await client.endpoint_for("b") == OTHER
    tags = [c for c in net.calls if c.request.url.path == "/api/tags"]
    assert len(tags) == 2  # one per endpoint, then cached


async def test_unknown_everywhere_asks_the_first_endpoint(net: respx.MockRouter) -> None:
    healthy(net, HOST)
    healthy(net, OTHER)
    net.post(f"{HOST}/api/generate").respond(404, json={"error": "model 'ghost' not found"})
    async with make_client(HOST, OTHER) as client:
        with pytest.raises(ModelNotFound) as caught:
            await client.generate("ghost", "x")
    assert caught.value.endpoint == HOST


async def test_all_endpoints_down(net: respx.MockRouter) -> None:
    down(net, HOST)
    down(net, OTHER)
    async with make_client(HOST, OTHER, max_retries=1) as client:
        with pytest.raises(OllamaUnreachable) as caught:
            await client.generate("m", "x")
        health = await client.health()
    assert HOST in caught.value.message and OTHER in caught.value.message
    assert "ollama serve" in caught.value.message
    assert [h.healthy for h in health] == [False, False]


async def test_busy_endpoint_hands_over_to_the_next(net: respx.MockRouter) -> None:
    healthy(net, HOST, "m")
    healthy(net, OTHER, "m")
    busy = net.post(f"{HOST}/api/generate").respond(503, json={"error": "server busy"})
    route = generating(net, OTHER, "ok")
    async with make_client(HOST, OTHER, max_retries=0) as client:
        assert (await client.generate("m", "x")).endpoint == OTHER
    assert busy.call_count == 1 and route.call_count == 1


async def test_failed_endpoint_is_reprobed_in_the_background(
    net: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ollama_lsp.ollama._endpoints.UNHEALTHY_FOR", 0.0)
    root = net.get(f"{HOST}/")
    root.side_effect = [
        httpx.ConnectError("refused"),
        httpx.Response(200, text="Ollama is running"),
    ]
    net.get(f"{HOST}/api/version").respond(json={"version": "1"})
    healthy(net, OTHER)
    async with make_client(HOST, OTHER) as client:
        assert await client.endpoint_for() == OTHER  # HOST failed its first probe
        endpoint = OTHER
        for _ in range(100):  # the background probe brings HOST back
            endpoint = await client.endpoint_for()
            if endpoint == HOST:
                break
            await asyncio.sleep(0.01)
    assert endpoint == HOST
    assert root.call_count == 2
