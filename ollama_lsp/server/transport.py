"""stdio and TCP transports: robust framing, no thread hop per line, uvloop where available.

pygls reads stdin through a thread pool, one ``readline`` per header line and one ``read`` per
body, each a round trip through a worker thread; under load every hop costs tens to hundreds
of microseconds, on every keystroke. When stdin is a pipe (as editors start servers) we read
it with asyncio directly; otherwise (a terminal, a file) through one worker-thread read per
chunk. Messages are framed by :class:`~ollama_lsp.server.framing.MessageReader`, which recovers
from bad headers instead of going deaf, and dispatched by :func:`dispatch`, which answers what
pygls would leave unanswered. uvloop (not on Windows) takes about half a millisecond off each
completion (docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
import sys
from collections.abc import Coroutine
from threading import Event
from typing import TYPE_CHECKING, Any, BinaryIO

from pygls.exceptions import JsonRpcInvalidRequest, JsonRpcParseError
from pygls.io_ import StdoutWriter

from ollama_lsp.server.framing import MessageReader, Read

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer
    from pygls.protocol import JsonRPCProtocol

__all__ = ["dispatch", "run_loop", "serve_stdio", "serve_tcp"]

log = logging.getLogger(__name__)
_CHUNK = 2**16
_INTERNAL_ERROR = -32603


def _is_pipe(stream: BinaryIO) -> bool:
    try:
        return stat.S_ISFIFO(os.fstat(stream.fileno()).st_mode)
    except (OSError, ValueError):
        return False


async def _stdin_reader(stdin: BinaryIO) -> Read:
    loop = asyncio.get_running_loop()
    if _is_pipe(stdin):
        reader = asyncio.StreamReader(limit=_CHUNK, loop=loop)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
        return lambda: reader.read(_CHUNK)
    read1 = getattr(stdin, "read1", stdin.read)
    return lambda: loop.run_in_executor(None, read1, _CHUNK)


def _answer_error(protocol: JsonRPCProtocol, msg_id: Any, error: Exception) -> None:
    """A JSON-RPC error answer, also for ``id: null`` (which pygls cannot send)."""
    code = getattr(error, "code", _INTERNAL_ERROR)
    protocol._send_data(
        {"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": str(error)}}
    )


def dispatch(protocol: JsonRPCProtocol, body: bytes) -> None:
    """Parse one message and hand it to pygls; a message that cannot be handled is answered
    with the JSON-RPC error for it when it is a request (or unreadable), else logged."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        log.warning("a message that is not JSON (%s): %r", exc, body[:80])
        _answer_error(protocol, None, JsonRpcParseError(f"Parse error: {exc}"))
        return
    if not isinstance(data, dict):
        log.warning("a message that is not a JSON object: %r", body[:80])
        _answer_error(protocol, None, JsonRpcInvalidRequest("Invalid Request: not an object"))
        return
    if data.get("jsonrpc") != "2.0":
        log.warning("a message without jsonrpc 2.0: %r", body[:80])
        if "method" in data and "id" in data:
            why = 'Invalid Request: "jsonrpc" must be "2.0"'
            _answer_error(protocol, data["id"], JsonRpcInvalidRequest(why))
        return
    try:
        protocol.handle_message(protocol.structure_message(data))
    except Exception as exc:
        log.exception("could not handle %s", data.get("method", "a message"))
        if "method" in data and "id" in data:
            _answer_error(protocol, data["id"], exc)


async def _serve(server: LanguageServer, read: Read, stop_event: Event) -> None:
    """Read, frame and dispatch messages until the stream ends or the server stops."""
    reader = MessageReader(read, lambda why: log.warning("bad input from the client: %s", why))
    try:
        while not stop_event.is_set():
            body = await reader.next_message()
            if body is None:
                break
            dispatch(server.protocol, body)
    finally:
        reader.close()


def run_loop(main: Coroutine[Any, Any, None]) -> None:
    """Run ``main`` on uvloop when it is installed, else on asyncio's default loop."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


def _run(server: LanguageServer, main: Coroutine[Any, Any, None]) -> int:
    """Run the server; the exit status is the ``exit`` notification's (1 without ``shutdown``)."""
    status = 0
    try:
        run_loop(main)
    except BrokenPipeError:
        log.error("the connection to the client is lost; shutting down")
    except SystemExit as exit_:
        status = exit_.code if isinstance(exit_.code, int) else 0
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]
    return status


def serve_stdio(
    server: LanguageServer, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None
) -> int:
    """Like pygls's ``start_io``, with robust framing; returns the exit status."""
    source = stdin or sys.stdin.buffer
    server._stop_event = stop_event = Event()
    server.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))

    async def main() -> None:
        await _serve(server, await _stdin_reader(source), stop_event)

    return _run(server, main())


def serve_tcp(server: LanguageServer, host: str, port: int) -> int:
    """Listen on ``host:port`` and serve the first client; returns the exit status."""
    server._stop_event = stop_event = Event()

    async def main() -> None:
        done = asyncio.Event()

        async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            server.protocol.set_writer(writer)
            try:
                await _serve(server, lambda: reader.read(_CHUNK), stop_event)
            finally:
                done.set()

        listener = await asyncio.start_server(connection, host, port)
        log.info("listening on %s:%s", host, port)
        async with listener:
            await done.wait()

    return _run(server, main())
