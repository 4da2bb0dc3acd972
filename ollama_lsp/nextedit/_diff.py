"""The smallest edits that turn a region into its rewrite.

A model rewrites the whole region; the editor should see only what changes. Lines are matched
first (so a moved cursor line or an unchanged block costs nothing), then each changed run of
lines is matched by tokens (words, spaces, punctuation), and every edit is trimmed to the
characters that differ: renaming ``total`` twice on a line gives two edits of five
characters, not one edit of the whole line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

__all__ = ["Edit", "apply_edits", "smallest_edits"]

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``old[start:end]`` with ``text`` (offsets into the original)."""

    start: int
    end: int
    text: str


def smallest_edits(old: str, new: str) -> list[Edit]:
    """Non-overlapping edits, in order, that turn ``old`` into ``new``."""
    if old == new:
        return []
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    offsets = [0]
    for line in a:
        offsets.append(offsets[-1] + len(line))
    edits: list[Edit] = []
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            edits.extend(_by_tokens("".join(a[i1:i2]), "".join(b[j1:j2]), offsets[i1]))
    return _joined(edits)


def _by_tokens(old: str, new: str, base: int) -> list[Edit]:
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    offsets = [0]
    for token in a:
        offsets.append(offsets[-1] + len(token))
    edits = []
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            edits.append(_trimmed(old, offsets[i1], offsets[i2], "".join(b[j1:j2]), base))
    return edits


def _trimmed(old: str, start: int, end: int, text: str, base: int) -> Edit:
    """The edit without the characters its old and new text share at either end."""
    removed = old[start:end]
    head = 0
    while head < min(len(removed), len(text)) and removed[head] == text[head]:
        head += 1
    tail = 0
    while tail < min(len(removed), len(text)) - head and removed[-1 - tail] == text[-1 - tail]:
        tail += 1
    return Edit(base + start + head, base + end - tail, text[head : len(text) - tail])


def _joined(edits: list[Edit]) -> list[Edit]:
    """Edits that touch (one ends where the next starts) as one."""
    out: list[Edit] = []
    for edit in edits:
        if out and out[-1].end == edit.start:
            last = out.pop()
            edit = Edit(last.start, edit.end, last.text + edit.text)
        out.append(edit)
    return out


def apply_edits(text: str, edits: list[Edit]) -> str:
    """``text`` with ``edits`` (in order, non-overlapping) applied."""
    parts, at = [], 0
    for edit in edits:
        parts += [text[at : edit.start], edit.text]
        at = edit.end
    parts.append(text[at:])
    return "".join(parts)
