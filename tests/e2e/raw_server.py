"""A ``python -m ollama_lsp`` subprocess spoken to byte by byte, for what a proper LSP client
would never send; it keeps every message the server sent and (optionally) its stderr."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator
from typing import Any

from ollama_lsp.server.framing import MessageReader
from tests.e2e.conftest import UNREACHABLE

__all__ = ["INITIALIZE", "RawServer", "frame", "request"]


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
        self.seen: list[dict[str, Any]] = []  # every message the server sent, in order

    @classmethod
    @contextlib.asynccontextmanager
    async def started(cls, *, stderr: bool = False, **env: str) -> AsyncIterator[RawServer]:
        """The server with ``env`` added to its environment; ``stderr`` is kept when asked."""
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ollama_lsp",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE if stderr else asyncio.subprocess.DEVNULL,
            limit=2**24,
            env={**os.environ, "OLLAMA_HOST": UNREACHABLE, "OLLAMA_LSP_STORE": ":memory:", **env},
        )  # fmt: skip
        raw = cls(process)
        try:
            yield raw
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
            raw.reader.close()

    async def stderr(self) -> str:
        """Everything the server wrote to stderr (once it has exited)."""
        assert self.process.stderr is not None
        return (await self.process.stderr.read()).decode(errors="replace")

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
                self.seen.append(message)
                if "method" not in message and message.get("id") == msg_id:
                    return dict(message)

    async def finish(self, *, shutdown: bool = True) -> int:
        if shutdown:
            await self.send(frame(request(99, "shutdown")))
            assert "result" in await self.answer(99)
        await self.send(frame({"jsonrpc": "2.0", "method": "exit"}))
        return await asyncio.wait_for(self.process.wait(), 20)
