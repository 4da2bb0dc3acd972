"""Which predicted edits are worth showing.

A small model's rewrite holds noise besides the edit the user wants: it re-indents a line,
undoes what the user just typed (the region before their edit is the likeliest text it has
seen), or drops half the region because it lost its way. These rules remove that noise; what
is left is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher

from ollama_lsp.context import REDACTED
from ollama_lsp.nextedit._diff import Edit, apply_edits

__all__ = ["keep_edits"]


def keep_edits(
    region: str,
    edits: Sequence[Edit],
    *,
    last_edit: tuple[int, int, Sequence[str]] | None = None,
) -> list[Edit]:
    """The edits of ``region``'s rewrite worth showing (maybe none).

    ``last_edit``: the user's edit in progress, as the region-relative line range it covers
    now (``start``, ``end`` exclusive) and the lines it held before it began.

    Dropped: an edit that changes only whitespace; one that writes the secrets redaction
    marker (the region was shown to the model redacted); those that, together, put the lines
    of the user's last edit back as they were (an undo). A rewrite that deletes more than half
    of the region's non-blank lines, or keeps fewer than half of its lines, is refused whole:
    the model lost its way (a next edit changes a few lines, it does not replace the code).
    """
    kept = [e for e in edits if not _whitespace_only(region[e.start : e.end], e.text)]
    kept = [e for e in kept if REDACTED not in e.text]
    if last_edit is not None:
        kept = _without_undo(region, kept, *last_edit)
    if kept:
        rewritten = apply_edits(region, kept)
        if _deletes_most(region, rewritten) or _replaces_most(region, rewritten):
            return []
    return kept


def _whitespace_only(old: str, new: str) -> bool:
    return old.split() == new.split()


def _without_undo(
    region: str, edits: list[Edit], start: int, end: int, old: Sequence[str]
) -> list[Edit]:
    """``edits`` without those inside the last edit's lines when they would undo it."""
    lines = region.split("\n")
    if not 0 <= start < end <= len(lines):
        return edits
    first = sum(len(line) + 1 for line in lines[:start])
    last = first + len("\n".join(lines[start:end]))
    inside = [e for e in edits if e.start >= first and e.end <= last]
    if not inside:
        return edits
    shifted = [Edit(e.start - first, e.end - first, e.text) for e in inside]
    after = apply_edits(region[first:last], shifted)
    if after.split("\n") != list(old):
        return edits
    return [e for e in edits if e not in inside]


def _replaces_most(region: str, rewritten: str) -> bool:
    """Fewer than half of the region's lines are still there, in order."""
    old, new = region.split("\n"), rewritten.split("\n")
    if len(old) < 3:
        return False
    kept = sum(
        block.size
        for block in SequenceMatcher(None, old, new, autojunk=False).get_matching_blocks()
    )
    return kept < len(old) / 2


def _deletes_most(region: str, rewritten: str) -> bool:
    before = sum(1 for line in region.split("\n") if line.strip())
    after = sum(1 for line in rewritten.split("\n") if line.strip())
    return before >= 4 and after < before / 2
