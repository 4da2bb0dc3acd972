"""Ollama's wire conventions: Go-style JSON, RFC 3339 nanosecond times, error bodies.

Ollama serialises with Go's ``encoding/json``, which HTML-escapes ``<``, ``>`` and ``&`` inside
strings; FIM tokens such as ``<EOT>`` therefore arrive as ``\\u003cEOT\\u003e``. Clients must
cope, so the emulator reproduces it.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response

__all__ = [
    "JSON_CONTENT_TYPE",
    "NDJSON_CONTENT_TYPE",
    "error_response",
    "go_json",
    "json_response",
    "rfc3339",
]

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
NDJSON_CONTENT_TYPE = "application/x-ndjson"

_GO_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_GO_ESCAPE_TABLE = str.maketrans(_GO_ESCAPES)


def go_json(value: Any) -> str:
    """Serialise like Go's json.Marshal: compact, UTF-8, HTML characters escaped.

    The characters escaped never occur in JSON syntax outside strings, so a plain translation
    of the dumped text is exact.
    """
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_GO_ESCAPE_TABLE)


def rfc3339(ns: int | None = None, *, local: bool = False) -> str:
    """Format a Unix time in nanoseconds like Go's time.Time JSON (RFC 3339, trimmed nanos).

    ``created_at`` is UTC (``Z``); ``modified_at`` and ``expires_at`` carry the local offset.
    """
    if ns is None:
        ns = time.time_ns()
    seconds, nanos = divmod(ns, 1_000_000_000)
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    if local:
        moment = moment.astimezone()
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if nanos:
        text += "." + f"{nanos:09d}".rstrip("0")
    offset = moment.utcoffset()
    if not offset:
        return text + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{text}{sign}{hours:02d}:{mins:02d}"


def json_response(value: Any, status: int = 200) -> Response:
    """A gin ``c.JSON`` reply."""
    return Response(go_json(value), status_code=status, media_type=JSON_CONTENT_TYPE)


def error_response(status: int, message: str) -> Response:
    """Ollama's error body: ``{"error": "<message>"}`` with a real status code."""
    return json_response({"error": message}, status)
