"""Cursor positions in UTF-16 code units, clamped to the document."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from ollama_lsp.server.positions import column_of, cursor_at, position_of, units_of

UTF16 = PositionCodec()
LINE = 'x = "😀" + 中文'  # the emoji is 2 UTF-16 units, each CJK character 1


def pos(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


@pytest.mark.parametrize(
    ("character", "offset", "clamped"),
    [
        (5, 5, 5),  # just before the emoji
        (6, 5, 5),  # inside the surrogate pair: stay before the emoji
        (7, 6, 7),  # just after the emoji
        (12, 11, 12),  # after 中
        (13, 12, 13),  # end of line
        (99, 12, 13),  # past the end of the line
    ],
)
def test_utf16_columns_map_to_code_points(character: int, offset: int, clamped: int) -> None:
    cursor = cursor_at(LINE + "\nnext\n", UTF16, pos(0, character))
    assert cursor.offset == offset
    assert cursor.position == pos(0, clamped)


def test_positions_past_the_end_of_the_document_are_clamped() -> None:
    assert cursor_at("a\nbc", UTF16, pos(9, 9)).position == pos(1, 2)
    assert cursor_at("a\nbc", UTF16, pos(9, 9)).offset == 4
    assert cursor_at("a\nbc\n", UTF16, pos(9, 9)).position == pos(2, 0)
    assert cursor_at("", UTF16, pos(3, 3)).offset == 0


def test_crlf_line_endings_are_not_counted_as_columns() -> None:
    cursor = cursor_at("ab\r\ncd", UTF16, pos(0, 9))
    assert (cursor.offset, cursor.position) == (2, pos(0, 2))
    assert cursor_at("ab\r\ncd", UTF16, pos(1, 1)).offset == 5


def test_position_of_is_the_inverse_of_cursor_at() -> None:
    text = LINE + "\n  # 日本語 🎉 done\n"
    for line_no, line in enumerate(text.splitlines()):
        for units in range(len(line.encode("utf-16-le")) // 2 + 1):
            cursor = cursor_at(text, UTF16, pos(line_no, units))
            assert position_of(text, UTF16, cursor.offset) == cursor.position


def _column_by_characters(text: str, units: int, codec: PositionCodec) -> int:
    """The reference: walk the characters as pygls counts them."""
    column, used = 0, 0
    for char in text:
        width = codec.client_num_units(char)
        if used + width > units:
            break
        used += width
        column += 1
    return column


@settings(max_examples=300)
@given(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=30),
    st.integers(-2, 80),
    st.sampled_from(list(types.PositionEncodingKind)),
)
def test_counting_by_encoding_agrees_with_counting_characters(
    text: str, units: int, kind: types.PositionEncodingKind
) -> None:
    codec = PositionCodec(kind)
    assert units_of(text, codec) == codec.client_num_units(text)
    assert column_of(text, units, codec) == _column_by_characters(text, units, codec)
