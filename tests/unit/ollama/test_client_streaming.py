"""Streams: cut or malformed streams, cancellation closing the response, timeouts, retries."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing

import httpx
import pytest
import respx

from ollama_lsp.ollama import (
    BadResponse,
    GenerateResponse,
    OllamaClient,
    OllamaTimeout,
    OllamaUnreachable,
    ServerBusy,
)
from tests.unit.ollama.helpers import ControlledStream, chunk, final, make_client, ndjson

BUSY = {"error": "server busy, please try again.  maximum pending requests exceeded"}


@pytest.fixture
async def client() -> AsyncIterator[OllamaClient]:
    async with make_client(max_retries=2, first_token_timeout=5.0, read_timeout=5.0) as c:
        yield c


async def test_stream_cut_midway_is_bad_response(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    api.post("/api/generate").respond(content=ndjson(chunk("a"), chunk("b")))
    received: list[str] = []
    with pytest.raises(BadResponse, match="ended before it was done"):
        async for piece in client.generate_stream("m", "x"):
            received.append(piece.response)
    assert received == ["a", "b"]


async def test_connection_dropped_midway_is_bad_response(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    class Dropping(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield ndjson(chunk("a"))
            raise httpx.RemoteProtocolError("peer closed connection without sending complete body")

    api.post("/api/generate").respond(stream=Dropping())
    with pytest.raises(BadResponse, match="cut off or malformed"):
        await client.generate("m", "x")


async def test_connection_reset_midway_is_unreachable(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    class Resetting(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield ndjson(chunk("a"))
            raise httpx.ReadError("connection reset by peer")

    api.post("/api/generate").respond(stream=Resetting())
    with pytest.raises(OllamaUnreachable, match=r"connection to .* broke"):
        await client.generate("m", "x")


async def test_malformed_json_line(client: OllamaClient, api: respx.MockRouter) -> None:
    api.post("/api/generate").respond(content=ndjson(chunk("a")) + b"{oops\n" + ndjson(final()))
    with pytest.raises(BadResponse, match="malformed stream"):
        await client.generate("m", "x")


async def test_chunk_of_the_wrong_shape(client: OllamaClient, api: respx.MockRouter) -> None:
    api.post("/api/generate").respond(content=ndjson({"model": "m", "response": 5, "done": False}))
    with pytest.raises(BadResponse, match="unexpected shape"):
        await client.generate("m", "x")


async def test_lines_split_across_network_chunks(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    body = ndjson(chunk("é€"), final())
    pieces = [body[i : i + 3] for i in range(0, len(body), 3)]
    api.post("/api/generate").respond(stream=ControlledStream(*pieces, end=True))
    assert (await client.generate("m", "x")).response == "é€"


async def test_503_then_success_is_retried(client: OllamaClient, api: respx.MockRouter) -> None:
    route = api.post("/api/generate")
    route.side_effect = [
        httpx.Response(503, json=BUSY),
        httpx.Response(200, content=ndjson(chunk("ok"), final())),
    ]
    assert (await client.generate("m", "x")).response == "ok"
    assert route.call_count == 2


async def test_connection_failure_then_success_is_retried(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    route = api.get("/api/version")
    route.side_effect = [httpx.ConnectError("refused"), httpx.Response(200, json={"version": "1"})]
    assert await client.version() == "1"
    assert route.call_count == 2


async def test_retries_are_bounded(client: OllamaClient, api: respx.MockRouter) -> None:
    route = api.post("/api/generate").respond(503, json=BUSY)
    with pytest.raises(ServerBusy):
        await client.generate("m", "x")
    assert route.call_count == 3  # the first try and max_retries=2


async def test_busy_after_the_stream_started_is_not_retried(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    route = api.post("/api/generate").respond(content=ndjson(chunk("a"), BUSY))
    received: list[str] = []
    with pytest.raises(ServerBusy):
        async for piece in client.generate_stream("m", "x"):
            received.append(piece.response)
    assert received == ["a"]
    assert route.call_count == 1


async def test_other_errors_are_not_retried(client: OllamaClient, api: respx.MockRouter) -> None:
    route = api.post("/api/generate").respond(500, json={"error": "boom"})
    with pytest.raises(Exception, match="boom"):
        await client.generate("m", "x")
    assert route.call_count == 1


async def test_cancelling_the_iterating_task_closes_the_response(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    body = ControlledStream(ndjson(chunk("a")))
    api.post("/api/generate").respond(stream=body)
    first = asyncio.Event()

    async def consume() -> None:
        async for _ in client.generate_stream("m", "x"):
            first.set()

    task = asyncio.create_task(consume())
    await first.wait()
    assert not body.closed
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert body.closed


async def test_closing_the_generator_closes_the_response(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    body = ControlledStream(ndjson(chunk("a"), chunk("b")))
    api.post("/api/generate").respond(stream=body)
    received: list[GenerateResponse] = []
    async with aclosing(client.generate_stream("m", "x")) as stream:
        async for piece in stream:
            received.append(piece)
            break
    assert [p.response for p in received] == ["a"]
    assert body.closed


async def test_cancelling_generate_closes_the_response(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    body = ControlledStream(ndjson(chunk("a")))
    api.post("/api/generate").respond(stream=body)
    task = asyncio.create_task(client.generate("m", "x"))
    await body.sent.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert body.closed


async def test_first_token_timeout(api: respx.MockRouter) -> None:
    body = ControlledStream(ndjson(chunk("a")), hold_before=True)
    api.post("/api/generate").respond(stream=body)
    async with make_client(first_token_timeout=0.05, read_timeout=30.0) as client:
        with pytest.raises(OllamaTimeout) as caught:
            await client.generate("slow", "x")
    assert "model 'slow' produced nothing" in caught.value.message
    assert "ollama.timeouts.firstToken" in caught.value.message
    assert body.closed


async def test_read_timeout_between_lines(api: respx.MockRouter) -> None:
    body = ControlledStream(ndjson(chunk("a")))
    api.post("/api/generate").respond(stream=body)
    async with make_client(first_token_timeout=30.0, read_timeout=0.05) as client:
        with pytest.raises(OllamaTimeout, match="stopped sending"):
            await client.generate("m", "x")
    assert body.closed


async def test_a_completion_stall_timeout_replaces_the_read_timeout(api: respx.MockRouter) -> None:
    body = ControlledStream(ndjson(chunk("a")))
    api.post("/api/generate").respond(stream=body)
    async with make_client(first_token_timeout=30.0, read_timeout=3600.0) as client:
        stream = client.generate_stream("m", "x", stall_timeout=0.05)
        with pytest.raises(OllamaTimeout) as caught:
            async for _ in stream:
                pass
    assert "stopped sending for 0.05s" in caught.value.message
    assert "ollama.timeouts.completionStall" in caught.value.message
    assert body.closed
