"""Rank windows of other documents by identifier Jaccard similarity to the code at the cursor.

Each document is cut into fixed windows of lines (``window_lines`` long, starting every
``window_lines // 2`` lines), so a window's text does not change when the cursor moves: the
prompt keeps a stable prefix. The index of a document is cached by ``(uri, version)``.
"""

from __future__ import annotations

import heapq
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from sys import intern

from cachetools import LRUCache

from ollama_lsp.context._types import Document

__all__ = ["DocumentIndex", "RankedWindow", "SimilarityIndex", "identifiers"]

_IDENTIFIER = re.compile(r"[^\W\d]\w+")

# Keywords of common languages: they say nothing about what code is about.
_KEYWORDS = """
    and as assert async await break case catch class const continue def default del delete do
    elif else end enum except export extends false final finally fn for from func function go if
    impl import in interface is let match mod module new nil none not null or package pass private
    protected pub public raise return self static struct super switch then this throw true try
    type typeof use val var void while with yield int str bool float string None True False
"""
_STOP_WORDS = frozenset(_KEYWORDS.split())


def identifiers(text: str) -> frozenset[str]:
    """The identifiers of ``text`` (two characters or more), without common keywords."""
    return frozenset(_IDENTIFIER.findall(text)) - _STOP_WORDS


@dataclass(frozen=True, slots=True)
class _Window:
    start_line: int
    end_line: int  # exclusive
    size: int  # distinct identifiers


@dataclass(frozen=True, slots=True)
class DocumentIndex:
    """The windows of one document version and, for each identifier, the windows holding it.

    Scoring then costs the query's postings, not a set intersection per window; the text is
    the document's own string (not a copy), cut by ``line_starts``.
    """

    text: str
    line_starts: array[int]
    windows: tuple[_Window, ...]
    postings: dict[str, tuple[int, ...]]

    def window_text(self, window: _Window) -> str:
        end = (
            self.line_starts[window.end_line] - 1
            if window.end_line < len(self.line_starts)
            else len(self.text)
        )
        return self.text[self.line_starts[window.start_line] : end]


@dataclass(frozen=True, slots=True)
class RankedWindow:
    """A window of ``uri`` with its similarity ``score`` and text."""

    uri: str
    start_line: int
    end_line: int
    score: float
    text: str


def index_document(text: str, window_lines: int) -> DocumentIndex:
    """Cut ``text`` into overlapping windows and collect their identifiers."""
    lines = text.split("\n")
    line_starts = array("q", [0])
    for line in lines[:-1]:
        line_starts.append(line_starts[-1] + len(line) + 1)
    stride = max(1, window_lines // 2)
    chunks = [
        identifiers("\n".join(lines[start : start + stride]))
        for start in range(0, len(lines), stride)
    ]
    windows: list[_Window] = []
    postings: defaultdict[str, list[int]] = defaultdict(list)
    for i, chunk in enumerate(chunks):
        merged = chunk | chunks[i + 1] if i + 1 < len(chunks) else chunk
        if merged:
            for name in merged:
                postings[intern(name)].append(len(windows))  # shared across documents
            start = i * stride
            windows.append(_Window(start, min(len(lines), start + window_lines), len(merged)))
        if i * stride + window_lines >= len(lines):
            break
    return DocumentIndex(
        text,
        line_starts,
        tuple(windows),
        {name: tuple(numbers) for name, numbers in postings.items()},
    )


class SimilarityIndex:
    """Indexes open documents (bounded LRU by ``(uri, version)``) and ranks their windows.

    A document over ``max_chars`` (a minified bundle, a log) gives no snippets: indexing it
    would hold the event loop for a second and its windows are rarely worth a prompt.
    """

    def __init__(
        self,
        *,
        window_lines: int = 20,
        max_documents: int = 64,
        candidate_documents: int = 6,
        max_chars: int = 1_000_000,
    ) -> None:
        self.window_lines = window_lines
        self.max_chars = max_chars
        self.candidate_documents = candidate_documents
        self._indexes: LRUCache[tuple[str, int, int], DocumentIndex] = LRUCache(max_documents)
        self._rankings: LRUCache[object, tuple[RankedWindow, ...]] = LRUCache(32)

    def forget(self, uri: str) -> None:
        """Drop what was indexed of ``uri`` (it was closed): its text is not kept alive."""
        for key in [key for key in self._indexes if key[0] == uri]:
            del self._indexes[key]
        self._rankings.clear()

    def index(self, document: Document) -> DocumentIndex:
        key = (document.uri, document.version, len(document.text))
        found = self._indexes.get(key)
        if found is None:
            text = document.text if len(document.text) <= self.max_chars else ""
            found = index_document(text, self.window_lines)
            self._indexes[key] = found
        return found

    def rank(
        self, query: frozenset[str], documents: Sequence[Document], *, min_score: float
    ) -> tuple[RankedWindow, ...]:
        """Windows of ``documents`` scoring at least ``min_score``, best first.

        Documents are first ranked by how many query identifiers they contain; only the best
        ``candidate_documents`` have their windows scored, which keeps a build with many large
        open documents within a millisecond or two.
        """
        if not query or not documents:
            return ()
        cache_key = (query, min_score, tuple((d.uri, d.version, len(d.text)) for d in documents))
        cached = self._rankings.get(cache_key)
        if cached is not None:
            return cached
        overlaps = []
        for document in documents:
            index = self.index(document)
            names = [name for name in query if name in index.postings]
            if names:
                overlaps.append((len(names), document.uri, index, names))
        best_documents = heapq.nlargest(
            self.candidate_documents, overlaps, key=lambda o: (o[0], o[1])
        )
        scored: list[tuple[float, str, _Window, DocumentIndex]] = []
        query_size = len(query)
        least_shared = min_score * query_size  # Jaccard <= shared / |query|
        for _, uri, index, names in best_documents:
            postings = index.postings
            for number, shared in Counter(
                chain.from_iterable(postings[n] for n in names)
            ).most_common():
                if shared < least_shared:
                    break
                window = index.windows[number]
                score = shared / (query_size + window.size - shared)
                if score >= min_score:
                    scored.append((score, uri, window, index))
        scored.sort(key=lambda s: (-s[0], s[1], s[2].start_line))
        ranked = tuple(
            RankedWindow(uri, window.start_line, window.end_line, score, index.window_text(window))
            for score, uri, window, index in scored[:256]
        )
        self._rankings[cache_key] = ranked
        return ranked
