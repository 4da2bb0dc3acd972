"""Shared helpers for the client tests: NDJSON bodies and controllable response streams."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from ollama_lsp.ollama import ClientSettings, OllamaClient

HOST = "http://127.0.0.1:11434"
OTHER = "http://10.0.0.2:11434"


def ndjson(*objects: dict[str, Any]) -> bytes:
    """Objects as an NDJSON body."""
    return b"".join(json.dumps(o).encode() + b"\n" for o in objects)


def chunk(text: str, model: str = "m") -> dict[str, Any]:
    """An intermediate generate chunk."""
    return {"model": model, "created_at": "2026-01-01T00:00:00Z", "response": text, "done": False}


def final(model: str = "m", **extra: Any) -> dict[str, Any]:
    """A final generate chunk with metrics."""
    return {
        "model": model,
        "response": "",
        "done": True,
        "done_reason": "stop",
        "total_duration": 2_000_000_000,
        "eval_count": 10,
        "eval_duration": 500_000_000,
        **extra,
    }


def make_client(*endpoints: str, **overrides: Any) -> OllamaClient:
    """A client on the given endpoints without backoff delays."""
    values: dict[str, Any] = {"endpoints": endpoints or (HOST,), "retry_backoff": 0.0}
    values.update(overrides)
    return OllamaClient(ClientSettings(**values))


class ControlledStream(httpx.AsyncByteStream):
    """A response body that sends ``chunks`` then waits, recording whether it was closed.

    ``hold_before`` blocks before the first chunk (to test the first-token timeout).
    """

    def __init__(self, *chunks: bytes, hold_before: bool = False, end: bool = False) -> None:
        self.chunks = chunks
        self.hold_before = hold_before
        self.end = end
        self.sent = asyncio.Event()
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.hold_before:
            await asyncio.Event().wait()
        for piece in self.chunks:
            yield piece
        self.sent.set()
        if not self.end:
            await asyncio.Event().wait()

    async def aclose(self) -> None:
        self.closed = True
