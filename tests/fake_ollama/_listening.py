"""The listening socket and the connection-level faults (drop at accept)."""

from __future__ import annotations

import asyncio
import logging
import socket
import time

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["ConnectionGate", "listening_socket", "protocol_for"]


class _QuietCuts(logging.Filter):
    """A cut connection is a fault we injected on purpose; uvicorn need not report it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "without completing response" not in record.getMessage()


logging.getLogger("uvicorn.error").addFilter(_QuietCuts())


class ConnectionGate:
    """Decides whether a new connection is closed at once (the ``drop`` fault)."""

    def __init__(self) -> None:
        self.count: int | None = None
        self.until = 0.0

    def should_drop(self) -> bool:
        if time.monotonic() < self.until:
            return True
        if self.count:
            self.count -= 1
            return True
        return False


def protocol_for(gate: ConnectionGate) -> type[H11Protocol]:
    class GatedProtocol(H11Protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if gate.should_drop():
                transport.close()

    return GatedProtocol


def listening_socket(host: str, port: int) -> socket.socket:
    # proto=IPPROTO_TCP: asyncio enables TCP_NODELAY only on sockets that say so; without it
    # Nagle and delayed ACKs add 40 ms to every response written in two parts.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock
