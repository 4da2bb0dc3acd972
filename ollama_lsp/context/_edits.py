"""Remember which lines the user edited recently, to offer them as prompt snippets."""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ollama_lsp.context._exclusion import is_excluded, relative_path
from ollama_lsp.context._types import Document, EditedRange, LineEdit, Snippet

__all__ = ["EditTracker", "edit_snippets"]


@dataclass(slots=True)
class _Range:
    start: int
    end: int  # inclusive
    stamp: int


class EditTracker:
    """Recently edited line ranges per document, kept in line with later edits.

    Bounded: at most ``max_documents`` documents (least recently edited dropped first) and
    ``max_ranges`` ranges per document. Overlapping or adjacent edits merge into one range, so
    typing along a line keeps a single entry.
    """

    def __init__(self, *, max_documents: int = 16, max_ranges: int = 8) -> None:
        self.max_documents = max_documents
        self.max_ranges = max_ranges
        self._documents: OrderedDict[str, list[_Range]] = OrderedDict()
        self._clock = itertools.count()

    def record(self, uri: str, changes: Iterable[LineEdit]) -> None:
        """Apply a document's changes, in order, to the ranges of ``uri``."""
        for change in changes:
            if change.whole:
                self._documents.pop(uri, None)  # whole text replaced: old lines mean nothing
                continue
            start, end = sorted((max(0, change.start), max(0, change.end)))
            self._apply(uri, start, end, change.newlines)

    def forget(self, uri: str) -> None:
        """Drop what is known about ``uri`` (on didClose)."""
        self._documents.pop(uri, None)

    def recent(self) -> tuple[EditedRange, ...]:
        """All remembered ranges, most recent first."""
        entries = [(r.stamp, uri, r) for uri, ranges in self._documents.items() for r in ranges]
        entries.sort(key=lambda e: -e[0])
        return tuple(EditedRange(uri, r.start, r.end) for _, uri, r in entries)

    def snippets(
        self,
        documents: Mapping[str, Document],
        *,
        workspace_root: str | None = None,
        exclude_globs: Iterable[str] = (),
    ) -> tuple[Snippet, ...]:
        """The recent ranges as snippets (see :func:`edit_snippets`)."""
        return edit_snippets(self.recent(), documents, workspace_root, tuple(exclude_globs))

    def _apply(self, uri: str, start: int, end: int, inserted_newlines: int) -> None:
        delta = inserted_newlines - (end - start)
        new = _Range(start, start + inserted_newlines, next(self._clock))
        kept = []
        for old in self._documents.get(uri, []):
            if old.end < start - 1:
                kept.append(old)
            elif old.start > end + 1:
                kept.append(_Range(old.start + delta, old.end + delta, old.stamp))
            else:  # overlapping or adjacent: merge into the new range
                new.start = min(new.start, old.start)
                new.end = max(new.end, old.end + delta if old.end > end else new.end)
        kept.append(new)
        kept.sort(key=lambda r: -r.stamp)
        self._documents[uri] = kept[: self.max_ranges]
        self._documents.move_to_end(uri)
        while len(self._documents) > self.max_documents:
            self._documents.popitem(last=False)


def edit_snippets(
    ranges: Iterable[EditedRange],
    documents: Mapping[str, Document],
    workspace_root: str | None,
    exclude_globs: tuple[str, ...] = (),
    *,
    context_lines: int = 1,
    max_lines: int = 24,
) -> tuple[Snippet, ...]:
    """Text of each edited range (plus ``context_lines`` around it) from the open documents.

    Ranges of closed or excluded documents are skipped; ``score`` falls with age.
    """
    out = []
    split: dict[str, list[str]] = {}
    for age, edited in enumerate(ranges):
        document = documents.get(edited.uri)
        if document is None or is_excluded(edited.uri, exclude_globs):
            continue
        lines = split.get(edited.uri) or split.setdefault(edited.uri, document.text.split("\n"))
        first = max(0, edited.start_line - context_lines)
        last = min(len(lines), edited.end_line + 1 + context_lines, first + max_lines)
        text = "\n".join(lines[first:last])
        if text.strip():
            path = relative_path(edited.uri, workspace_root)
            out.append(Snippet(path, text, 1.0 / (1 + age)))
    return tuple(out)
