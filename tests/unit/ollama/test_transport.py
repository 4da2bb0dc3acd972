# ruff: noqa: ASYNC109 (httpcore's network interface takes timeouts)
"""A request leaves in one write: head and body together, unless the body is large."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpcore
import httpx

from ollama_lsp.ollama._transport import HELD_BYTES, HoldingBackend, http_transport

ANSWER = [b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n", b"{}"]


class RecordingStream(httpcore.AsyncMockStream):
    def __init__(self, buffer: list[bytes], writes: list[bytes]) -> None:
        super().__init__(buffer)
        self.writes = writes

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.writes.append(buffer)


class RecordingBackend(httpcore.AsyncMockBackend):
    def __init__(self) -> None:
        super().__init__([])
        self.writes: list[bytes] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return RecordingStream(list(ANSWER), self.writes)


async def post(
    backend: httpcore.AsyncNetworkBackend, body: bytes | AsyncIterator[bytes]
) -> httpcore.Response:
    async with httpcore.AsyncConnectionPool(network_backend=backend) as pool:
        return await pool.request("POST", "http://ollama:11434/api/generate", content=body)


async def test_head_and_body_go_out_in_one_write() -> None:
    recorder = RecordingBackend()
    body = json.dumps({"model": "m", "prompt": "def add(a, b):"}).encode()

    response = await post(HoldingBackend(recorder), body)

    assert response.status == 200
    assert len(recorder.writes) == 1
    assert recorder.writes[0].startswith(b"POST /api/generate HTTP/1.1\r\n")
    assert recorder.writes[0].endswith(b"\r\n\r\n" + body)


async def test_without_holding_httpcore_writes_twice() -> None:
    recorder = RecordingBackend()

    await post(recorder, b"{}")

    sent = [w for w in recorder.writes if w]
    assert len(sent) == 2  # what the holding stream saves: a second wake-up of the server


async def test_a_large_body_goes_out_as_it_fills_the_buffer() -> None:
    recorder = RecordingBackend()
    piece = b"x" * (HELD_BYTES // 4)

    async def body() -> AsyncIterator[bytes]:
        for _ in range(12):
            yield piece

    await post(HoldingBackend(recorder), body())

    assert len(recorder.writes) >= 3
    assert all(len(w) < HELD_BYTES + len(piece) + 100 for w in recorder.writes)
    assert recorder.writes[-1].endswith(b"0\r\n\r\n")  # the chunked body's end


async def test_the_client_transport_talks_to_a_real_server(fake_ollama: Any) -> None:
    async with httpx.AsyncClient(transport=http_transport()) as client:
        response = await client.post(f"{fake_ollama.url}/api/show", json={"model": "nope"})
        assert response.status_code == 404
        response = await client.get(f"{fake_ollama.url}/api/version")
        assert response.json()["version"]
