"""Rank windows of other documents by identifier Jaccard similarity to the code at the cursor.

Each document is cut into fixed windows of lines (``window_lines`` long, starting every
``window_lines // 2`` lines), so a window's text does not change when the cursor moves: the
prompt keeps a stable prefix. The index of a document is cached by ``(uri, version)``.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

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
    identifiers: frozenset[str]


@dataclass(frozen=True, slots=True)
class DocumentIndex:
    """The windows of one document version, the identifiers of the whole document, and for
    each identifier the windows holding it (so scoring costs the query's postings, not a set
    intersection per window)."""

    lines: tuple[str, ...]
    windows: tuple[_Window, ...]
    identifiers: frozenset[str]
    postings: dict[str, tuple[int, ...]]

    def text(self, window: _Window) -> str:
        return "\n".join(self.lines[window.start_line : window.end_line])


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
    lines = tuple(text.split("\n"))
    stride = max(1, window_lines // 2)
    chunks = [
        identifiers("\n".join(lines[start : start + stride]))
        for start in range(0, len(lines), stride)
    ]
    windows = []
    for i, chunk in enumerate(chunks):
        merged = chunk | chunks[i + 1] if i + 1 < len(chunks) else chunk
        if merged:
            start = i * stride
            windows.append(_Window(start, min(len(lines), start + window_lines), merged))
        if i * stride + window_lines >= len(lines):
            break
    postings: defaultdict[str, list[int]] = defaultdict(list)
    for number, window in enumerate(windows):
        for name in window.identifiers:
            postings[name].append(number)
    return DocumentIndex(
        lines,
        tuple(windows),
        frozenset(postings),
        {name: tuple(numbers) for name, numbers in postings.items()},
    )


class SimilarityIndex:
    """Indexes open documents (bounded LRU by ``(uri, version)``) and ranks their windows."""

    def __init__(
        self, *, window_lines: int = 20, max_documents: int = 256, candidate_documents: int = 6
    ) -> None:
        self.window_lines = window_lines
        self.candidate_documents = candidate_documents
        self._indexes: LRUCache[tuple[str, int, int], DocumentIndex] = LRUCache(max_documents)
        self._rankings: LRUCache[object, tuple[RankedWindow, ...]] = LRUCache(32)

    def index(self, document: Document) -> DocumentIndex:
        key = (document.uri, document.version, len(document.text))
        found = self._indexes.get(key)
        if found is None:
            found = index_document(document.text, self.window_lines)
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
        indexed = [(document.uri, self.index(document)) for document in documents]
        overlaps = [(len(query & index.identifiers), uri, index) for uri, index in indexed]
        best_documents = heapq.nlargest(
            self.candidate_documents, (o for o in overlaps if o[0]), key=lambda o: (o[0], o[1])
        )
        scored: list[tuple[float, str, _Window, DocumentIndex]] = []
        query_size = len(query)
        least_shared = min_score * query_size  # Jaccard <= shared / |query|
        for _, uri, index in best_documents:
            postings = index.postings
            names = query & index.identifiers
            for number, shared in Counter(
                chain.from_iterable(postings[n] for n in names)
            ).most_common():
                if shared < least_shared:
                    break
                window = index.windows[number]
                score = shared / (query_size + len(window.identifiers) - shared)
                if score >= min_score:
                    scored.append((score, uri, window, index))
        scored.sort(key=lambda s: (-s[0], s[1], s[2].start_line))
        ranked = tuple(
            RankedWindow(uri, window.start_line, window.end_line, score, index.text(window))
            for score, uri, window, index in scored[:256]
        )
        self._rankings[cache_key] = ranked
        return ranked
