"""LSP positions (in the negotiated encoding, UTF-16 by default) to string offsets and back.

Clients send positions past the end of a line or of the document, and UTF-16 offsets that
split a surrogate pair; both are clamped to the nearest real character boundary rather than
trusted. Unit counting is pygls's ``PositionCodec``; lines are split as pygls splits them
(``str.splitlines``), so offsets agree with the text pygls keeps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

__all__ = ["Cursor", "cursor_at", "position_of"]


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
        column, units = 0, 0
        for char in text:
            width = codec.client_num_units(char)
            if units + width > position.character:
                break  # past the wanted unit, or inside a surrogate pair: stop before it
            units += width
            column += 1
    offset = sum(map(len, lines[:line_no])) + column
    client = types.Position(line=line_no, character=codec.client_num_units(text[:column]))
    return Cursor(offset, line_no, column, client)


def position_of(source: str, codec: PositionCodec, offset: int) -> types.Position:
    """The client position of a string offset (clamped to the document)."""
    offset = max(0, min(offset, len(source)))
    lines = source.splitlines(keepends=True)
    start = 0
    for line_no, line in enumerate(lines):
        if offset < start + len(line):
            column = min(offset - start, len(_content(line)))
            return types.Position(line=line_no, character=codec.client_num_units(line[:column]))
        start += len(line)
    if not lines or _content(lines[-1]) != lines[-1]:
        return types.Position(line=len(lines), character=0)
    return types.Position(line=len(lines) - 1, character=codec.client_num_units(lines[-1]))
