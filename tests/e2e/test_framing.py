"""Broken framing through the real stdio transport: the server recovers and keeps answering.

Each case writes raw bytes to a ``python -m ollama_lsp`` subprocess, then a well-framed request;
the server must answer that request (it did not go deaf) and leave with the status ``exit``
asks for.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest

from ollama_lsp.server.framing import MessageReader
from tests.e2e.conftest import UNREACHABLE


def frame(payload: dict[str, Any] | bytes, header: bytes | None = None) -> bytes:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return (
        (header if header is not None else b"Content-Length: %d" % len(body)) + b"\r\n\r\n" + body
    )


def request(msg_id: int, method: str, params: Any = None) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}


INITIALIZE = request(1, "initialize", {"processId": None, "rootUri": None, "capabilities": {}})


class RawServer:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        assert process.stdout is not None
        out = process.stdout
        self.reader = MessageReader(lambda: out.read(65536), lambda why: None)

    async def send(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        await self.process.stdin.drain()

    async def answer(self, msg_id: Any) -> dict[str, Any]:
        """The response to ``msg_id`` (skipping the server's notifications and requests)."""
        async with asyncio.timeout(20):
            while True:
                body = await self.reader.next_message()
                assert body is not None, "the server closed its output"
                message = json.loads(body)
                if "method" not in message and message.get("id") == msg_id:
                    return dict(message)

    async def finish(self, *, shutdown: bool = True) -> int:
        if shutdown:
            await self.send(frame(request(99, "shutdown")))
            assert "result" in await self.answer(99)
        await self.send(frame({"jsonrpc": "2.0", "method": "exit"}))
        return await asyncio.wait_for(self.process.wait(), 20)


@pytest.fixture
async def server() -> AsyncIterator[RawServer]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ollama_lsp",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL, limit=2**24,
        env={**os.environ, "OLLAMA_HOST": UNREACHABLE, "OLLAMA_LSP_STORE": ":memory:"},
    )  # fmt: skip
    raw = RawServer(process)
    yield raw
    if process.returncode is None:
        process.kill()
        await process.wait()
    raw.reader.close()


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
