"""The NDJSON decoder: chunking must never change what is decoded."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ollama_lsp.ollama._ndjson import NdjsonDecoder, NdjsonError

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
json_objects = st.dictionaries(st.text(), json_values, max_size=4)
separators = st.sampled_from([b"\n", b"\r\n", b"\n\n", b"\n  \n"])


def decode_in_pieces(data: bytes, cuts: list[int]) -> list[dict[str, Any]]:
    decoder = NdjsonDecoder()
    objects: list[dict[str, Any]] = []
    start = 0
    for cut in sorted(set(cuts)):
        objects += decoder.feed(data[start:cut])
        start = cut
    objects += decoder.feed(data[start:])
    return objects + decoder.close()


@settings(max_examples=60)
@given(
    objects=st.lists(json_objects, max_size=6),
    seps=st.lists(separators, min_size=6, max_size=6),
    data=st.data(),
)
def test_any_chunking_yields_the_same_objects(
    objects: list[dict[str, Any]], seps: list[bytes], data: st.DataObject
) -> None:
    body = b"".join(
        json.dumps(o, ensure_ascii=False).encode() + sep
        for o, sep in zip(objects, seps, strict=False)
    )
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=12))
    assert decode_in_pieces(body, cuts) == objects


@given(text=st.text(min_size=1), cut=st.integers(min_value=0))
def test_split_utf8_sequences_are_joined(text: str, cut: int) -> None:
    body = json.dumps({"response": text}, ensure_ascii=False).encode() + b"\n"
    cut %= len(body) + 1
    assert decode_in_pieces(body, [cut]) == [{"response": text}]


def test_last_line_without_newline_is_decoded_on_close() -> None:
    decoder = NdjsonDecoder()
    assert decoder.feed(b'{"a": 1}\n{"b"') == [{"a": 1}]
    assert decoder.feed(b": 2}") == []
    assert decoder.close() == [{"b": 2}]


def test_blank_lines_only_yield_nothing() -> None:
    assert decode_in_pieces(b"\n\r\n  \n", [1, 3]) == []


@pytest.mark.parametrize("line", [b"{not json}\n", b"[1, 2]\n", b'"text"\n', b"\xff\xfe\n"])
def test_malformed_lines_raise(line: bytes) -> None:
    with pytest.raises(NdjsonError):
        NdjsonDecoder().feed(line)


def test_overlong_line_is_refused() -> None:
    decoder = NdjsonDecoder(max_line_bytes=16)
    with pytest.raises(NdjsonError, match="longer than 16"):
        decoder.feed(b'{"a": "' + b"x" * 32)
