"""Logging: records go to stderr and, once a client is attached, to ``window/logMessage``.

stdout belongs to the stdio transport, so nothing here ever writes to it. pygls's own loggers
are kept at WARNING: at INFO they log every message body, which is slow and leaks prompts.
Every record, and every message the server shows (:func:`scrub`), has the configured secrets
and URL passwords replaced by ``***``: a record may quote a server's answer or a setting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from ollama_lsp.ollama import redact

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

__all__ = [
    "LEVELS",
    "LspLogHandler",
    "attach_client_log",
    "configure_logging",
    "remember_secrets",
    "scrub",
]

LEVELS = {
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
}

_MESSAGE_TYPES = (
    (logging.ERROR, types.MessageType.Error),
    (logging.WARNING, types.MessageType.Warning),
    (logging.INFO, types.MessageType.Info),
)


_secrets: tuple[str, ...] = ()


def remember_secrets(secrets: tuple[str, ...]) -> None:
    """The API key and secret header values in force, to keep out of logs and messages."""
    global _secrets
    _secrets = secrets


def scrub(text: str) -> str:
    """``text`` without the secrets in force and without URL passwords."""
    return redact(text, _secrets)


class _Scrubbing(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


class _AnsweredErrors(logging.Filter):
    """pygls logs a traceback for every request that ends in a JSON-RPC error; ours are
    messages for the user, already logged where they arose, so the traceback goes."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, JsonRpcException)


_ANSWERED_ERRORS = _AnsweredErrors()


class LspLogHandler(logging.Handler):
    """Forwards records to the client's log as ``window/logMessage`` notifications.

    Safe to call from worker threads (the message is handed to the event loop), and never
    recursive: a record emitted while sending one is dropped rather than looping.
    """

    def __init__(self, server: LanguageServer, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.addFilter(_Scrubbing())
        self.server = server
        self._sending = threading.local()
        self.loop: asyncio.AbstractEventLoop | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self._sending, "active", False) or self.server.protocol.writer is None:
            return
        kind = next((t for lvl, t in _MESSAGE_TYPES if record.levelno >= lvl), None)
        params = types.LogMessageParams(
            type=kind or types.MessageType.Log, message=self.format(record)
        )
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is None and self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._send, params)
        else:
            self._send(params)

    def _send(self, params: types.LogMessageParams) -> None:
        self._sending.active = True
        try:
            self.server.window_log_message(params)
        except Exception:  # a broken pipe must not turn logging into a crash
            pass
        finally:
            self._sending.active = False


def configure_logging(level: str = "info") -> logging.Handler:
    """Send ``ollama_lsp`` records at ``level`` to stderr; keep pygls quiet. Idempotent."""
    root = logging.getLogger("ollama_lsp")
    root.setLevel(LEVELS.get(level, logging.INFO))
    root.propagate = False
    stderr = next((h for h in root.handlers if getattr(h, "name", "") == "stderr"), None)
    if stderr is None:
        stderr = logging.StreamHandler(sys.stderr)
        stderr.set_name("stderr")
        stderr.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        stderr.addFilter(_Scrubbing())
        root.addHandler(stderr)
    for name in ("pygls", "httpx", "httpcore"):
        library = logging.getLogger(name)
        library.setLevel(logging.WARNING)
        if stderr not in library.handlers:  # scrubbed too (a bad message may carry a key)
            library.addHandler(stderr)
            library.propagate = False
    logging.getLogger("pygls.protocol.json_rpc").addFilter(_ANSWERED_ERRORS)
    return stderr


def attach_client_log(server: LanguageServer, level: str) -> LspLogHandler:
    """Add (or re-level) the ``window/logMessage`` handler for ``server``."""
    root = logging.getLogger("ollama_lsp")
    root.setLevel(LEVELS.get(level, logging.INFO))
    handler = next((h for h in root.handlers if isinstance(h, LspLogHandler)), None)
    if handler is None:
        handler = LspLogHandler(server)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    handler.setLevel(LEVELS.get(level, logging.INFO))
    with contextlib.suppress(RuntimeError):
        handler.loop = asyncio.get_running_loop()
    return handler
