# ruff: noqa: ASYNC109 (httpcore's network interface takes timeouts)
"""A request leaves in one write: head and body together, unless the body is large."""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest
import trustme

from ollama_lsp.ollama import ClientSettings, OllamaClient, OllamaUnreachable
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


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


class Relay:
    """A byte relay to the plain-HTTP ``upstream``: over TLS, a TLS-terminating front; in the
    clear, an HTTP proxy for one request (its absolute-form target becomes a path)."""

    def __init__(self, upstream: str) -> None:
        self.host, port = upstream.removeprefix("http://").split(":")
        self.port = int(port)
        self.connections = 0

    async def serve(self, context: ssl.SSLContext | None = None) -> asyncio.Server:
        return await asyncio.start_server(self._relay, "127.0.0.1", 0, ssl=context)

    async def _relay(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self.connections += 1
        server_r, server_w = await asyncio.open_connection(self.host, self.port)
        if client_w.get_extra_info("sslcontext") is None:
            method, target, version = (await client_r.readline()).split(b" ", 2)
            path = b"/" + target.split(b"://", 1)[-1].split(b"/", 1)[-1]
            server_w.write(b" ".join((method, path, version)))
        with contextlib.suppress(ConnectionError):
            await asyncio.gather(_pipe(client_r, server_w), _pipe(server_r, client_w))


def port_of(server: asyncio.Server) -> int:
    return int(server.sockets[0].getsockname()[1])


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


async def test_https_endpoints_stream_through_the_transport(
    fake_ollama: Any, ca: trustme.CA, tmp_path: Path
) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    fake_ollama.reply(lambda request: "return a + b")
    async with await Relay(fake_ollama.url).serve(context) as front:
        settings = ClientSettings(
            endpoints=[f"https://localhost:{port_of(front)}"], ca_bundle=str(bundle)
        )
        async with OllamaClient(settings) as client:
            models = {m.name for m in await client.list_models()}
            answer = await client.generate("qwen2.5-coder:1.5b-base", "def add(a, b):\n    ")

    assert "qwen2.5-coder:1.5b-base" in models

    assert answer.done and answer.response == "return a + b"


async def test_an_untrusted_certificate_is_refused_with_advice(
    fake_ollama: Any, ca: trustme.CA
) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    async with await Relay(fake_ollama.url).serve(context) as front:
        settings = ClientSettings(endpoints=[f"https://localhost:{port_of(front)}"], max_retries=0)
        async with OllamaClient(settings) as client:
            with pytest.raises(OllamaUnreachable, match="CA bundle"):
                await client.list_models()


async def test_a_proxy_named_by_the_environment_is_still_used(
    fake_ollama: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NO_PROXY", "ALL_PROXY", "HTTPS_PROXY", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    relay = Relay(fake_ollama.url)
    async with await relay.serve() as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port_of(proxy)}")
        assert http_transport() is None  # httpx's own transport: it alone reads the proxy
        async with OllamaClient(ClientSettings(endpoints=[fake_ollama.url])) as client:
            models = await client.list_models()

    assert models and relay.connections == 1
