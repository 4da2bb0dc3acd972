"""The user's recent edits, per document, as compact unified diffs.

Each ``didChange`` is reduced to the lines it touched (the changes' line ranges, counted, never
a diff of the whole text). Consecutive changes to the same lines, or to lines next to them,
grow one *edit group* that remembers what those lines held before the group began; a change
elsewhere closes the group into a diff. So typing a word is one event, and renaming a
parameter then its use two lines below is two. A keystroke inside the group costs a few
integer operations; text is split into lines only when a group starts, grows or closes.

Bounded everywhere: events per document, documents (those never edited dropped first, then the
least recently edited), characters per diff (a bigger one is left out), and age. A document's
snapshot is the text the server already holds (the same string), so following every open
document costs no copy.
"""

from __future__ import annotations

import difflib
import re
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ollama_lsp.context import LineEdit

__all__ = ["EditHistory", "HistoryEvent", "LastEdit"]

_HUNK = re.compile(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One closed edit: a unified diff (hunks only, line numbers of that time) and when the
    last change to it was made (monotonic seconds)."""

    uri: str
    diff: str
    time: float


@dataclass(frozen=True, slots=True)
class LastEdit:
    """The group being edited: lines ``start``..``end`` (exclusive, as the document is now)
    held ``old`` before the group's first change."""

    start: int
    end: int
    old: tuple[str, ...]


@dataclass(slots=True)
class _Group:
    start: int
    end: int  # exclusive, in the document as it is now
    old: list[str]
    changed_at: float


@dataclass(slots=True)
class _Document:
    uri: str
    text: str
    lines: int  # line count of ``text``
    events: deque[HistoryEvent]
    group: _Group | None = None
    live: tuple[str, HistoryEvent | None] | None = field(default=None, repr=False)


class EditHistory:
    """Recent edits per document: closed events plus the group being edited.

    ``merge_gap``: a change at most this many lines from the group joins it. ``context``:
    unchanged lines shown around each hunk. ``max_diff_chars``: a bigger diff (a paste, a
    reformat) is dropped rather than cut. ``max_age``: seconds an event is kept.
    """

    def __init__(
        self,
        *,
        max_documents: int = 256,
        max_events: int = 8,
        max_diff_chars: int = 2000,
        max_age: float = 600.0,
        merge_gap: int = 1,
        context: int = 2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_documents = max_documents
        self.max_events = max_events
        self.max_diff_chars = max_diff_chars
        self.max_age = max_age
        self.merge_gap = merge_gap
        self.context = context
        self.clock = clock
        self._documents: OrderedDict[str, _Document] = OrderedDict()

    # -- recording -------------------------------------------------------------------------

    def opened(self, uri: str, text: str) -> None:
        """Start following ``uri`` (its history starts empty)."""
        self._documents[uri] = _Document(
            uri, text, _count_lines(text), deque(maxlen=self.max_events)
        )
        self._documents.move_to_end(uri)
        self._bound()

    def changed(self, uri: str, text: str, changes: Sequence[LineEdit]) -> None:
        """``uri`` is now ``text`` after ``changes`` (in order, as ``didChange`` sent them)."""
        doc = self._documents.get(uri)
        if doc is None:
            self.opened(uri, text)
            return
        lines = _count_lines(text)
        span = _span(changes, doc.lines, lines)
        if span is None:
            span = _span_by_comparison(doc.text, text)
        if span is not None:
            self._record(doc, text, *span)
        doc.text, doc.lines = text, lines
        self._documents.move_to_end(uri)
        self._bound()

    def forget(self, uri: str) -> None:
        """Drop ``uri`` (closed, or found private)."""
        self._documents.pop(uri, None)

    def _record(self, doc: _Document, text: str, start: int, old_end: int, new_end: int) -> None:
        now = self.clock()
        group = doc.group
        if group is not None and (
            start <= group.end + self.merge_gap and old_end >= group.start - self.merge_gap
        ):
            if start < group.start or old_end > group.end:  # grows over lines unchanged so far
                before = doc.text.split("\n")
                head = before[start : group.start] if start < group.start else []
                tail = before[group.end : old_end] if old_end > group.end else []
                group.old = head + group.old + tail
                group.start = min(start, group.start)
                group.end = max(old_end, group.end)
            group.end += new_end - old_end
            group.changed_at = now
            return
        if group is not None:
            self._close(doc, doc.text, group)
        old = doc.text.split("\n")[start:old_end]
        doc.group = _Group(start, new_end, old, now)

    def _close(self, doc: _Document, text: str, group: _Group) -> None:
        """Turn the group into an event, as a diff against ``text`` (the document now)."""
        doc.group = None
        event = self._event(doc.uri, text, group)
        if event is not None:
            doc.events.append(event)

    def _event(self, uri: str, text: str, group: _Group) -> HistoryEvent | None:
        lines = text.split("\n")
        diff = unified_hunks(lines, group.start, group.end, group.old, self.context)
        if not diff or len(diff) > self.max_diff_chars:
            return None
        return HistoryEvent(uri, diff, group.changed_at)

    def _bound(self) -> None:
        """Drop documents over the limit: never the one just touched (the last)."""
        while len(self._documents) > self.max_documents:
            older = list(self._documents.items())[:-1]
            unedited = next((uri for uri, doc in older if not doc.events and not doc.group), None)
            if unedited is None:
                self._documents.popitem(last=False)
            else:
                del self._documents[unedited]

    # -- reading ---------------------------------------------------------------------------

    def events(self, uris: Iterable[str] | None = None) -> list[HistoryEvent]:
        """Recent events of ``uris`` (all documents when None), the group being edited
        included, oldest first; events older than ``max_age`` are forgotten."""
        oldest = self.clock() - self.max_age
        chosen = self._documents if uris is None else set(uris) & self._documents.keys()
        found: list[HistoryEvent] = []
        for uri in chosen:
            doc = self._documents[uri]
            while doc.events and doc.events[0].time < oldest:
                doc.events.popleft()
            found.extend(doc.events)
            live = self._live(doc)
            if live is not None and live.time >= oldest:
                found.append(live)
        found.sort(key=lambda e: e.time)
        return found

    def _live(self, doc: _Document) -> HistoryEvent | None:
        """The open group's diff, computed once per text."""
        if doc.group is None:
            return None
        if doc.live is None or doc.live[0] is not doc.text:
            doc.live = (doc.text, self._event(doc.uri, doc.text, doc.group))
        return doc.live[1]

    def last_edit(self, uri: str) -> LastEdit | None:
        """The group being edited in ``uri``, if any."""
        doc = self._documents.get(uri)
        if doc is None or doc.group is None:
            return None
        group = doc.group
        return LastEdit(group.start, group.end, tuple(group.old))

    def __contains__(self, uri: object) -> bool:
        return uri in self._documents

    def __len__(self) -> int:
        return len(self._documents)


def _count_lines(text: str) -> int:
    return text.count("\n") + 1


def _span(changes: Sequence[LineEdit], before: int, after: int) -> tuple[int, int, int] | None:
    """Lines ``start..old_end`` (exclusive) of the old text became ``start..new_end`` of the new.

    Lines above the first change's start and below the lowest untouched tail are the same in
    both texts. None when a change replaced the whole text or the counts do not add up (a
    client out of sync): the caller compares the texts instead.
    """
    if not changes or any(c.whole for c in changes):
        return None
    start, tail, lines = before, before, before
    for change in changes:
        first, last = sorted((max(0, change.start), max(0, change.end)))
        if last >= lines:
            return None
        start = min(start, first)
        tail = min(tail, lines - 1 - last)
        lines += change.newlines - (last - first)
    if lines != after:
        return None
    return start, before - tail, after - tail


def _span_by_comparison(old: str, new: str) -> tuple[int, int, int] | None:
    """The changed lines found by comparing the texts line by line (whole-text changes)."""
    if old == new:
        return None
    a, b = old.split("\n"), new.split("\n")
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    tail = 0
    while tail < min(len(a), len(b)) - start and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    return start, len(a) - tail, len(b) - tail


def unified_hunks(
    lines: Sequence[str], start: int, end: int, old: Sequence[str], context: int
) -> str:
    """Unified diff hunks of ``old`` -> ``lines[start:end]`` with ``context`` lines around,
    numbered as in the document (1-based, as ``diff -u``); empty when nothing changed."""
    first = max(0, start - context)
    above = list(lines[first:start])
    below = list(lines[end : end + context])
    new = list(lines[start:end])
    if list(old) == new:
        return ""
    diff = difflib.unified_diff(
        [*above, *old, *below], [*above, *new, *below], n=context, lineterm=""
    )
    body = [line for line in diff if not line.startswith(("---", "+++"))]

    def renumber(match: re.Match[str]) -> str:
        old_start, old_count, new_start, new_count = match.groups()
        return (
            f"@@ -{int(old_start) + first}{old_count or ''} "
            f"+{int(new_start) + first}{new_count or ''} @@"
        )

    return _HUNK.sub(renumber, "\n".join(body))
