"""LSP positions (in the negotiated encoding, UTF-16 by default) to string offsets and back.

Clients send positions past the end of a line or of the document, and UTF-16 offsets that
split a surrogate pair; both are clamped to the nearest real character boundary rather than
trusted. Lines are split as pygls splits them (``str.splitlines``), so offsets agree with the
text pygls keeps. Code units are counted by encoding (in C), not character by character as
pygls's ``PositionCodec`` does: on a megabyte-long line that is milliseconds, not seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

__all__ = ["Cursor", "column_of", "cursor_at", "position_of", "units_of"]

# Bytes per code unit of the position encodings that are not counted in code points.
_ENCODINGS: dict[str | None, tuple[str, int]] = {
    types.PositionEncodingKind.Utf8.value: ("utf-8", 1),
    types.PositionEncodingKind.Utf16.value: ("utf-16-le", 2),
}


def _encoding(codec: PositionCodec) -> tuple[str, int] | None:
    """How to count the client's code units; ``None``: they are code points (UTF-32)."""
    if codec.encoding == types.PositionEncodingKind.Utf32:
        return None
    encoding = codec.encoding
    key = encoding.value if isinstance(encoding, types.PositionEncodingKind) else encoding
    return _ENCODINGS.get(key, _ENCODINGS[types.PositionEncodingKind.Utf16.value])


def units_of(text: str, codec: PositionCodec) -> int:
    """The length of ``text`` in the client's code units."""
    encoding = _encoding(codec)
    if encoding is None or text.isascii():
        return len(text)
    name, width = encoding
    return len(text.encode(name)) // width


def column_of(text: str, units: int, codec: PositionCodec) -> int:
    """Code points in the longest prefix of ``text`` that fits in ``units`` code units: a
    position inside a character (half a surrogate pair) stays before it."""
    units = max(units, 0)
    encoding = _encoding(codec)
    if encoding is None or text.isascii():
        return min(units, len(text))
    name, width = encoding
    # A prefix of ``units`` code points has at least ``units`` code units: encode no more.
    head = text[:units].encode(name)[: units * width]
    return len(head.decode(name, errors="ignore"))  # a cut character at the end is dropped


@dataclass(frozen=True, slots=True)
class Cursor:
    """A clamped cursor: ``offset`` indexes the source; ``position`` is what the client sees."""

    offset: int
    line: int
    column: int  # in code points
    position: types.Position


def _content(line: str) -> str:
    return line.rstrip("\r\n")


def cursor_at(source: str, codec: PositionCodec, position: types.Position) -> Cursor:
    """The cursor at ``position`` in ``source``, clamped to the document."""
    lines: Sequence[str] = source.splitlines(keepends=True)
    if not lines or (position.line >= len(lines) and source.endswith(("\n", "\r"))):
        # past the last line break: the empty last line
        line_no = len(lines)
        return Cursor(len(source), line_no, 0, types.Position(line=line_no, character=0))
    if position.line >= len(lines):
        line_no = len(lines) - 1
        text = _content(lines[line_no])
        column = len(text)
    else:
        line_no = position.line
        text = _content(lines[line_no])
        column = column_of(text, position.character, codec)
    offset = sum(map(len, lines[:line_no])) + column
    client = types.Position(line=line_no, character=units_of(text[:column], codec))
    return Cursor(offset, line_no, column, client)


def position_of(source: str, codec: PositionCodec, offset: int) -> types.Position:
    """The client position of a string offset (clamped to the document)."""
    offset = max(0, min(offset, len(source)))
    lines = source.splitlines(keepends=True)
    start = 0
    for line_no, line in enumerate(lines):
        if offset < start + len(line):
            column = min(offset - start, len(_content(line)))
            return types.Position(line=line_no, character=units_of(line[:column], codec))
        start += len(line)
    if not lines or _content(lines[-1]) != lines[-1]:
        return types.Position(line=len(lines), character=0)
    return types.Position(line=len(lines) - 1, character=units_of(lines[-1], codec))
