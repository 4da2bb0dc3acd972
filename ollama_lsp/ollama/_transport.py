# ruff: noqa: ASYNC109 (the signatures are httpcore's network interface, timeouts included)
"""httpx's transport, with each request's head and body sent to Ollama in one write.

httpcore writes an HTTP/1.1 request in two socket writes, its head and then its body. Each
write wakes the Ollama server, which reads the head and goes back to wait for the body. Where the
editor, this server and Ollama share a laptop's cores, that second round trip costs a tenth of a
millisecond or more on every completion. A connection here holds its writes until it next reads
(the request is then complete) or until a large body fills the buffer, and sends them at once.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from typing import Any
from urllib.request import getproxies

import httpcore
import httpx

__all__ = ["HELD_BYTES", "HoldingBackend", "HoldingStream", "http_transport"]

#: Most bytes held back before a write goes out anyway (a large request body).
HELD_BYTES = 64 * 1024


def http_transport(**options: Any) -> httpx.AsyncHTTPTransport | None:
    """``httpx.AsyncHTTPTransport(**options)`` whose connections send a request in one write.

    ``None`` (httpx's own transport) when the environment names a proxy: httpx honours
    ``HTTP_PROXY``, ``HTTPS_PROXY`` and ``ALL_PROXY`` only with its own transport.
    """
    if any(scheme in getproxies() for scheme in ("http", "https", "all")):
        return None
    transport = httpx.AsyncHTTPTransport(**options)
    pool = transport._pool
    pool._network_backend = HoldingBackend(pool._network_backend)
    return transport


class HoldingBackend(httpcore.AsyncNetworkBackend):
    """Opens connections with ``backend`` and wraps each in a :class:`HoldingStream`."""

    def __init__(self, backend: httpcore.AsyncNetworkBackend) -> None:
        self._backend = backend

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_tcp(
            host, port, timeout, local_address=local_address, socket_options=socket_options
        )
        return HoldingStream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_unix_socket(path, timeout, socket_options)
        return HoldingStream(stream)

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class HoldingStream(httpcore.AsyncNetworkStream):
    """A network stream whose writes wait for the next read, close or TLS handshake."""

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self._held: list[bytes] = []
        self._held_bytes = 0

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._held.append(buffer)
        self._held_bytes += len(buffer)
        if self._held_bytes >= HELD_BYTES:
            await self._flush(timeout)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        await self._flush(timeout)
        return await self._stream.read(max_bytes, timeout)

    async def aclose(self) -> None:
        self._held.clear()  # a closed connection's unsent request is abandoned anyway
        self._held_bytes = 0
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        await self._flush(timeout)
        tls = await self._stream.start_tls(ssl_context, server_hostname, timeout)
        return HoldingStream(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)

    async def _flush(self, timeout: float | None) -> None:
        if not self._held:
            return
        data = self._held[0] if len(self._held) == 1 else b"".join(self._held)
        self._held.clear()
        self._held_bytes = 0
        await self._stream.write(data, timeout)
