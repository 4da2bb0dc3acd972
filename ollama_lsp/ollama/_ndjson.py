"""Incremental NDJSON decoding: bytes in arbitrary chunks to JSON objects."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MAX_LINE_BYTES", "NdjsonDecoder", "NdjsonError"]

#: The Go client's limit for one line; a longer line means the peer is not Ollama.
MAX_LINE_BYTES = 8 * 1024 * 1024


class NdjsonError(ValueError):
    """A line was not a JSON object, or was too long."""


class NdjsonDecoder:
    """Split a byte stream on ``\\n`` and decode each non-blank line as a JSON object.

    Splitting happens on bytes, so a UTF-8 sequence cut across two chunks is decoded whole.
    Blank lines (and ``\\r\\n`` endings) are accepted, as servers and proxies emit them.
    """

    def __init__(self, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self._buffer = bytearray()
        self._max = max_line_bytes

    def feed(self, chunk: bytes) -> list[dict[str, Any]]:
        """Add bytes; return the objects of every line they complete."""
        self._buffer += chunk
        *lines, rest = self._buffer.split(b"\n")
        if len(rest) > self._max:
            raise NdjsonError(f"a line is longer than {self._max} bytes")
        self._buffer = bytearray(rest)
        return [obj for line in lines if (obj := self._decode(line)) is not None]

    def close(self) -> list[dict[str, Any]]:
        """End of stream: decode a last line that had no newline."""
        line, self._buffer = bytes(self._buffer), bytearray()
        obj = self._decode(line)
        return [] if obj is None else [obj]

    @staticmethod
    def _decode(line: bytes | bytearray) -> dict[str, Any] | None:
        if not line.strip():
            return None
        try:
            obj = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise NdjsonError(f"not a JSON line: {bytes(line[:80])!r}") from exc
        if not isinstance(obj, dict):
            raise NdjsonError(f"not a JSON object: {bytes(line[:80])!r}")
        return obj
