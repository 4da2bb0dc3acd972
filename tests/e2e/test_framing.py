"""Broken framing through the real stdio transport: the server recovers and keeps answering.

Each case writes raw bytes to a ``python -m ollama_lsp`` subprocess, then a well-framed request;
the server must answer that request (it did not go deaf) and leave with the status ``exit``
asks for.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.raw_server import INITIALIZE, RawServer, frame, request


@pytest.fixture
async def server() -> AsyncIterator[RawServer]:
    async with RawServer.started() as raw:
        yield raw


BROKEN = {
    "missing Content-Length": frame(request(7, "shutdown"), b"Content-Type: x"),
    "negative Content-Length": frame(request(7, "shutdown"), b"Content-Length: -3"),
    "non-numeric Content-Length": frame(request(7, "shutdown"), b"Content-Length: ten"),
    "garbage bytes": b"\x00\xffGET / HTTP/1.1\r\n\r\nhello",
    "Content-Length too small": frame(request(7, "shutdown"), b"Content-Length: 12"),
    "LF-only line ends": frame(INITIALIZE).replace(b"\r\n", b"\n"),
}


@pytest.mark.parametrize("broken", BROKEN.values(), ids=BROKEN.keys())
async def test_the_server_answers_the_next_request_after_bad_framing(
    server: RawServer, broken: bytes
) -> None:
    await server.send(broken)
    await server.send(frame(INITIALIZE))

    assert "capabilities" in (await server.answer(1))["result"]
    assert await server.finish() == 0


async def test_a_length_too_large_ends_at_the_next_message(server: RawServer) -> None:
    await server.send(frame(INITIALIZE, b"Content-Length: 100000"))
    await server.send(frame(request(2, "shutdown")))

    assert "capabilities" in (await server.answer(1))["result"]
    assert (await server.answer(2))["result"] is None


async def test_a_header_line_over_16_mib_does_not_end_the_server(server: RawServer) -> None:
    await server.send(b"X-Junk: " + b"x" * (17 * 2**20) + b"\r\n")
    await server.send(frame(INITIALIZE))

    assert "capabilities" in (await server.answer(1))["result"]
    assert await server.finish() == 0


async def test_unusable_messages_get_json_rpc_errors(server: RawServer) -> None:
    await server.send(frame(INITIALIZE))
    await server.answer(1)
    await server.send(frame({"id": 5, "method": "shutdown"}))  # no "jsonrpc"
    await server.send(frame(b"{not json"))
    await server.send(frame(b"[1, 2]"))

    assert (await server.answer(5))["error"]["code"] == -32600
    parse_error = await server.answer(None)
    assert parse_error["error"]["code"] == -32700
    assert (await server.answer(None))["error"]["code"] == -32600
    assert await server.finish() == 0


async def test_exit_without_shutdown_exits_1(server: RawServer) -> None:
    await server.send(frame(INITIALIZE))
    await server.answer(1)

    assert await server.finish(shutdown=False) == 1
