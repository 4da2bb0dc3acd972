"""Shared pieces of the benchmarks: an LSP client driving a server subprocess, and stats."""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from lsprotocol import types
from pygls.lsp.client import LanguageClient

__all__ = ["Row", "ServerSession", "percentile", "print_table"]


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass
class Row:
    """One line of the results table."""

    name: str
    value: str
    target: str = ""
    ok: bool | None = None


def print_table(title: str, rows: Sequence[Row]) -> None:
    width = max(len(r.name) for r in rows)
    vwidth = max(len(r.value) for r in rows)
    print(f"\n{title}\n")
    print(f"| {'measure'.ljust(width)} | {'value'.ljust(vwidth)} | target | met |")
    print(f"|{'-' * (width + 2)}|{'-' * (vwidth + 2)}|---|---|")
    for r in rows:
        met = "" if r.ok is None else ("yes" if r.ok else "NO")
        print(f"| {r.name.ljust(width)} | {r.value.ljust(vwidth)} | {r.target} | {met} |")


class ServerSession:
    """``python -m ollama_lsp`` over stdio, initialized with ``settings`` as init options."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = settings
        self.client = LanguageClient("ollama-lsp-bench", "1")
        self.statuses: list[Any] = []
        self.messages: list[str] = []
        self.versions: dict[str, int] = {}
        self.stderr: deque[str] = deque(maxlen=200)  # the server's last stderr lines
        self._drain: asyncio.Future[None] | None = None

        @self.client.feature("ollama/status")  # type: ignore[untyped-decorator]
        def on_status(params: Any) -> None:
            self.statuses.append(params)

        @self.client.feature(types.WINDOW_LOG_MESSAGE)  # type: ignore[untyped-decorator]
        def on_log(params: types.LogMessageParams) -> None:
            pass

        @self.client.feature("ollama/chatDelta")  # type: ignore[untyped-decorator]
        def on_chat_delta(params: Any) -> None:
            pass

        @self.client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)  # type: ignore[untyped-decorator]
        def on_progress_create(params: types.WorkDoneProgressCreateParams) -> None:
            pass

        @self.client.feature(types.WINDOW_SHOW_MESSAGE)  # type: ignore[untyped-decorator]
        def on_message(params: types.ShowMessageParams) -> None:
            self.messages.append(params.message)

    async def __aenter__(self) -> ServerSession:
        await self.client.start_io(sys.executable, "-m", "ollama_lsp", "--log-level", "warning")
        # pygls's client pipes the server's stderr and never reads it: a server that logs
        # enough would block on a full pipe. Keep its last lines instead.
        stderr = self.client._server.stderr if self.client._server else None
        if stderr is not None:
            self._drain = asyncio.ensure_future(self._keep_stderr(stderr))
        await self.client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(
                    window=types.WindowClientCapabilities(work_done_progress=True)
                ),
                initialization_options=self.settings,
            )
        )
        self.client.initialized(types.InitializedParams())
        return self

    async def _keep_stderr(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            self.stderr.append(line.decode(errors="replace").rstrip())

    async def __aexit__(self, *exc: object) -> None:
        try:
            await asyncio.wait_for(self.client.shutdown_async(None), 5)
            self.client.exit(None)
        finally:
            await self.client.stop()  # type: ignore[no-untyped-call]

    @property
    def pid(self) -> int:
        server = self.client._server
        assert server is not None
        return server.pid

    def open(self, uri: str, text: str, language_id: str = "python") -> None:
        self.versions[uri] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id=language_id, version=1, text=text
                )
            )
        )

    def close(self, uri: str) -> None:
        self.versions.pop(uri, None)
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )

    def insert(self, uri: str, line: int, character: int, text: str) -> None:
        self.versions[uri] += 1
        at = types.Position(line=line, character=character)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=uri, version=self.versions[uri]
                ),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(start=at, end=at), text=text
                    )
                ],
            )
        )

    def cursor(self, uri: str, line: int, character: int) -> None:
        """Where the cursor rests, as the project's editors report it (``ollama/didMoveCursor``)."""
        self.client.protocol.notify(
            "ollama/didMoveCursor",
            {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}},
        )

    async def inline(
        self, uri: str, line: int, character: int, *, invoked: bool = False
    ) -> str | None:
        """The first suggestion's text. Automatic by default: with no debounce in the settings
        it is answered at once, and an invoked request would also sample other choices."""
        texts = await self.choices(uri, line, character, invoked=invoked)
        return texts[0] if texts else None

    async def choices(
        self, uri: str, line: int, character: int, *, invoked: bool = True
    ) -> list[str]:
        """The texts of every item answered (an invoked request offers up to three)."""
        kind = (
            types.InlineCompletionTriggerKind.Invoked
            if invoked
            else types.InlineCompletionTriggerKind.Automatic
        )
        result = await self.client.text_document_inline_completion_async(
            types.InlineCompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=line, character=character),
                context=types.InlineCompletionContext(trigger_kind=kind),
            )
        )
        if result is None:
            return []
        items = result.items if isinstance(result, types.InlineCompletionList) else result
        return [item.insert_text for item in items if isinstance(item.insert_text, str)]


async def direct_generate(url: str, body: dict[str, Any]) -> float:
    """Seconds for one streamed /api/generate called directly, read to the end."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        started = time.perf_counter()
        async with http.stream("POST", "/api/generate", json=body) as response:
            async for _ in response.aiter_lines():
                pass
        return time.perf_counter() - started


def summary(values: Sequence[float]) -> tuple[float, float, float]:
    """(p50, p99, mean) in milliseconds of ``values`` in seconds."""
    ms = [v * 1000 for v in values]
    return statistics.median(ms), percentile(ms, 99), statistics.fmean(ms)
