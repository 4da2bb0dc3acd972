"""LSP base-protocol framing that survives bad input: ``Content-Length`` headers, then bodies.

pygls's reader trusts every header: a missing, negative or non-numeric ``Content-Length``, LF-only
line ends or stray bytes leave it waiting for a header it never recognises (the server goes deaf,
``shutdown`` included), and a header line longer than the stream's limit ends the process. This
reader recovers instead, and says what it skipped:

- headers end at a blank line (CRLF or LF); ``Content-Length`` is found case-insensitively in
  them, after any garbage; a header block without a usable length is skipped, with the bytes up
  to the next ``Content-Length``;
- a body whose ``Content-Length`` was too large ends where the next header begins: at a
  ``Content-Length`` header after a complete JSON value (inside a JSON value, the text is part of
  a string), or, when nothing more arrives, once what was received is a complete JSON value;
- a body whose length was too small is returned as it is (the JSON parser then rejects it) and
  the rest is skipped as garbage before the next header;
- memory stays bounded: garbage without a header end is dropped as it arrives.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable

__all__ = ["MAX_BODY", "MessageReader"]

#: The largest body accepted (a 10 MB document sent as one didOpen is fine).
MAX_BODY = 256 * 2**20
#: Header bytes kept while looking for the end of a header block.
MAX_HEADERS = 64 * 2**10
#: With a body shorter than its Content-Length, how long to wait for more before trying it.
IDLE_SECONDS = 0.2

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_CONTENT_LENGTH = re.compile(rb"content-length[ \t]*:[ \t]*([^\r\n]*)", re.IGNORECASE)
# A header that may begin inside what should be a body (when the body before it is whole JSON).
_NEXT_HEADER = re.compile(rb"content-length[ \t]*:[ \t]*\d+[ \t]*\r?\n", re.IGNORECASE)
_HEADER_LINE = re.compile(rb"[A-Za-z][A-Za-z0-9-]*[ \t]*:[^\r\n]*")

Read = Callable[[], Awaitable[bytes]]
Skipped = Callable[[str], None]


def _ends_a_value(data: bytearray) -> bool:
    """Whether the last byte that is not blank closes an object or an array (no copy)."""
    at = len(data) - 1
    while at >= 0 and data[at] in b" \t\r\n":
        at -= 1
    return at >= 0 and data[at] in b"}]"


def _is_json(data: bytes | bytearray) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


class MessageReader:
    """Message bodies from a byte stream; ``read`` returns some bytes, ``b""`` at its end."""

    def __init__(self, read: Read, skipped: Skipped) -> None:
        self._read = read
        self._skipped = skipped
        self._buffer = bytearray()
        self._eof = False
        self._pending: asyncio.Task[bytes] | None = None

    async def _fill(self, idle: float | None = None) -> bool:
        """Read more into the buffer; ``False`` at the end of the stream, or when nothing came
        for ``idle`` seconds."""
        if self._eof:
            return False
        if self._pending is None:
            self._pending = asyncio.ensure_future(self._read())
        done, _ = await asyncio.wait({self._pending}, timeout=idle)
        if not done:
            return False
        chunk = self._pending.result()
        self._pending = None
        if not chunk:
            self._eof = True
            return False
        self._buffer += chunk
        return True

    def close(self) -> None:
        """Stop a read in progress (at shutdown)."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def _skip(self, count: int, why: str) -> None:
        if count <= 0:
            return
        sample = bytes(self._buffer[: min(count, 60)])
        del self._buffer[:count]
        self._skipped(f"skipped {count} bytes ({why}): {sample!r}")

    def _resync(self, start: int, why: str) -> None:
        """Drop what lies before the next ``Content-Length`` at or after ``start``."""
        found = _CONTENT_LENGTH.search(self._buffer, start)
        self._skip(found.start() if found else len(self._buffer), why)

    async def next_message(self) -> bytes | None:
        """The next body, or ``None`` once the stream has ended."""
        while True:
            end = _HEADER_END.search(self._buffer)
            if end is None:
                if len(self._buffer) > MAX_HEADERS:
                    found = _CONTENT_LENGTH.search(self._buffer, 1)
                    keep = found.start() if found else len(self._buffer) - 32
                    self._skip(keep, "no header end")
                if not await self._fill():
                    return None
                continue
            headers = bytes(self._buffer[: end.start()])
            length = self._length(headers)
            if length is None:
                self._skip(end.end(), "no usable Content-Length")
                self._resync(0, "a body without a usable Content-Length")
                continue
            del self._buffer[: end.end()]
            return await self._body(length)

    def _length(self, headers: bytes) -> int | None:
        found = list(_CONTENT_LENGTH.finditer(headers))
        if not found:
            return None
        last = found[-1]
        if last.start() > 0 and not all(
            _HEADER_LINE.fullmatch(line.rstrip(b"\r"))
            for line in headers[: last.start()].split(b"\n")
            if line.strip()
        ):
            self._skipped(f"skipped bytes before a header: {headers[: last.start()][:60]!r}")
        value = last[1].strip()
        if not value.isdigit() or int(value) > MAX_BODY:
            self._skipped(f"unusable Content-Length {value[:40]!r}")
            return None
        return int(value)

    async def _body(self, length: int) -> bytes | None:
        scanned = 0
        while len(self._buffer) < length:
            end = next(
                (s for s in self._headers_in(scanned) if s == 0 or _is_json(self._buffer[:s])),
                None,
            )
            if end is not None:
                return self._take(end, f"Content-Length {length} was too large")
            scanned = len(self._buffer)
            # Parse only what could be a whole value: a body cut in a large message is not.
            complete = _ends_a_value(self._buffer) and _is_json(self._buffer)
            if await self._fill(IDLE_SECONDS if complete else None):
                continue
            if self._eof:
                return None
            return self._take(len(self._buffer), f"Content-Length {length} was too large")
        body = bytes(self._buffer[:length])
        del self._buffer[:length]
        return body

    def _headers_in(self, start: int) -> list[int]:
        """Where a ``Content-Length`` header begins at or after about ``start``: found by its
        tail ``ength`` with ``bytes.find`` (a regex scan of a 10 MB body is slow)."""
        found = []
        at = self._buffer.find(b"ength", max(start - 64, 0))
        while at >= 0:
            begin = at - len("content-l")
            if begin >= 0 and _NEXT_HEADER.match(self._buffer, begin):
                found.append(begin)
            at = self._buffer.find(b"ength", at + 1)
        return found

    def _take(self, count: int, why: str) -> bytes:
        body = bytes(self._buffer[:count])
        del self._buffer[:count]
        self._skipped(f"{why}: the message ended after {count} bytes")
        return body
