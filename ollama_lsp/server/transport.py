"""stdio without a thread hop per line, on uvloop where it is available.

pygls reads stdin through a thread pool, one ``readline`` per header line and one ``read`` per
body, each a round trip through a worker thread; under load every hop costs tens to hundreds
of microseconds, on every keystroke. When stdin is a pipe (as editors start servers) we read
it with asyncio directly; otherwise (a terminal, a file) pygls's reader is kept. uvloop (not
on Windows) takes about half a millisecond off each completion (docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import sys
from collections.abc import Coroutine
from threading import Event
from typing import TYPE_CHECKING, Any, BinaryIO

from pygls.io_ import StdinAsyncReader, StdoutWriter, run_async

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

__all__ = ["PipeReader", "run_loop", "serve_stdio"]

log = logging.getLogger(__name__)


class PipeReader:
    """pygls's reader interface over an asyncio ``StreamReader``."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader

    async def readline(self) -> bytes:
        return await self._reader.readline()

    async def readexactly(self, n: int) -> bytes:
        try:
            return await self._reader.readexactly(n)
        except asyncio.IncompleteReadError as exc:  # the client went away mid-message
            return exc.partial


def _is_pipe(stream: BinaryIO) -> bool:
    try:
        return stat.S_ISFIFO(os.fstat(stream.fileno()).st_mode)
    except (OSError, ValueError):
        return False


async def _reader_for(stdin: BinaryIO, server: LanguageServer) -> PipeReader | StdinAsyncReader:
    if _is_pipe(stdin):
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=2**24, loop=loop)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
        return PipeReader(reader)
    return StdinAsyncReader(stdin, server.thread_pool)


def run_loop(main: Coroutine[Any, Any, None]) -> None:
    """Run ``main`` on uvloop when it is installed, else on asyncio's default loop."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


def serve_stdio(
    server: LanguageServer, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None
) -> None:
    """Like pygls's ``start_io``, with :class:`PipeReader` when stdin is a pipe."""
    stdin = stdin or sys.stdin.buffer
    server._stop_event = stop_event = Event()
    server.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))

    async def main() -> None:
        await run_async(
            stop_event=stop_event,
            reader=await _reader_for(stdin, server),
            protocol=server.protocol,
            logger=logging.getLogger("pygls.server"),
            error_handler=server.report_server_error,
        )

    try:
        run_loop(main())
    except BrokenPipeError:
        log.error("the connection to the client is lost; shutting down")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]
