"""MessageReader: LSP framing that recovers from bad headers and lengths instead of going deaf."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ollama_lsp.server.framing import MAX_BODY, MessageReader


def frame(body: bytes, header: bytes | None = None, end: bytes = b"\r\n") -> bytes:
    header = header if header is not None else b"Content-Length: %d" % len(body)
    return header + end + end + body


def message(n: int) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": n, "method": "shutdown"}).encode()


class Feed:
    """A byte stream arriving in the given chunks; then it ends, or stays open (``hold``)."""

    def __init__(self, chunks: Iterable[bytes], *, hold: bool = False) -> None:
        self.chunks = list(chunks)
        self.hold = hold

    async def read(self) -> bytes:
        if self.chunks:
            return self.chunks.pop(0)
        if self.hold:
            await asyncio.Event().wait()
        return b""


async def read_all(feed: Feed, limit: int = 20) -> tuple[list[bytes], list[str]]:
    skipped: list[str] = []
    reader = MessageReader(feed.read, skipped.append)
    bodies = []
    try:
        for _ in range(limit):
            body = await asyncio.wait_for(reader.next_message(), 2)
            if body is None:
                break
            bodies.append(body)
    except TimeoutError:
        pass
    finally:
        reader.close()
    return bodies, skipped


async def test_well_framed_messages_come_out_whole_and_nothing_is_reported() -> None:
    stream = frame(message(1)) + b"Content-Type: application/vscode-jsonrpc\r\n" + frame(message(2))
    bodies, skipped = await read_all(Feed([stream]))
    assert bodies == [message(1), message(2)]
    assert skipped == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=1, max_size=30))
def test_any_split_of_the_stream_gives_the_same_messages(cuts: list[int]) -> None:
    stream = b"".join(frame(message(n)) for n in range(3)) + frame("é中😀".encode())
    chunks, at = [], 0
    for cut in cuts:
        chunks.append(stream[at : at + cut])
        at += cut
    chunks.append(stream[at:])
    bodies, skipped = asyncio.run(read_all(Feed(c for c in chunks if c)))
    assert bodies == [message(0), message(1), message(2), "é中😀".encode()]
    assert skipped == []


async def test_lf_only_line_ends_and_any_case_are_understood() -> None:
    stream = frame(message(1), b"content-length:%d" % len(message(1)), end=b"\n")
    bodies, _ = await read_all(Feed([stream]))
    assert bodies == [message(1)]


@pytest.mark.parametrize(
    "header",
    [b"Content-Length: -5", b"Content-Length: abc", b"Content-Type: x", b"Content-Length: 1e3"],
    ids=["negative", "not a number", "missing", "float"],
)
async def test_a_message_without_a_usable_length_is_skipped_and_the_next_is_read(
    header: bytes,
) -> None:
    bodies, skipped = await read_all(Feed([frame(message(1), header) + frame(message(2))]))
    assert bodies == [message(2)]
    assert skipped and "Content-Length" in skipped[0]


async def test_a_length_too_large_ends_where_the_next_header_begins() -> None:
    stream = frame(message(1), b"Content-Length: 9999") + frame(message(2))
    bodies, skipped = await read_all(Feed([stream]))
    assert bodies == [message(1), message(2)]
    assert "Content-Length 9999 was too large" in skipped[0]


async def test_header_text_inside_a_body_is_text() -> None:
    text = {"jsonrpc": "2.0", "method": "x", "params": {"t": "}\r\nContent-Length: 5\r\n\r\n{}"}}
    body = json.dumps(text).encode().replace(b"\\r\\n", b"\r\n")  # raw CR LF inside a string
    chunks = [frame(body)[:30], frame(body)[30:]]  # the header text arrives before the body ends
    bodies, skipped = await read_all(Feed(chunks))
    assert bodies == [body] and skipped == []


async def test_a_length_too_large_with_nothing_after_is_read_once_the_client_waits() -> None:
    bodies, skipped = await read_all(Feed([frame(message(1), b"Content-Length: 500")], hold=True))
    assert bodies == [message(1)]
    assert "too large" in skipped[0]


async def test_a_length_too_small_gives_a_cut_body_then_recovers() -> None:
    stream = frame(message(1), b"Content-Length: 10") + frame(message(2))
    bodies, skipped = await read_all(Feed([stream]))
    assert bodies == [message(1)[:10], message(2)]
    assert skipped and "before a header" in skipped[0]


async def test_garbage_and_a_huge_header_line_are_dropped_in_bounded_memory() -> None:
    garbage = [b"x" * 2**20 for _ in range(20)]  # a 20 MiB line with no end
    feed = Feed([*garbage, b"\r\n\x00\xff junk\r\n", frame(message(7))])
    skipped: list[str] = []
    held: list[int] = []

    async def read() -> bytes:
        held.append(len(reader._buffer))
        return await feed.read()

    reader = MessageReader(read, skipped.append)
    body = await reader.next_message()
    assert body == message(7)
    assert max(held) <= 2 * 2**20  # never the whole line
    counts = [re.match(r"skipped (\d+) bytes", s) for s in skipped]
    assert sum(int(c[1]) for c in counts if c) >= 20 * 2**20 - 64


async def test_a_body_over_the_limit_is_refused() -> None:
    bodies, skipped = await read_all(
        Feed([frame(b"{}", b"Content-Length: %d" % (MAX_BODY + 1)) + frame(message(3))])
    )
    assert bodies == [message(3)]
    assert "unusable Content-Length" in skipped[0]


async def test_a_ten_megabyte_body_is_read_in_chunks() -> None:
    body = json.dumps({"jsonrpc": "2.0", "method": "x", "params": {"t": "a" * 10_000_000}})
    data = frame(body.encode())
    chunks = [data[i : i + 65536] for i in range(0, len(data), 65536)]
    bodies, skipped = await read_all(Feed(chunks))
    assert bodies == [body.encode()] and skipped == []
