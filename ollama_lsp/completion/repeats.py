"""Text the document already has: a completion is cut where it starts to repeat the lines
after the cursor, or itself; one that is nothing but such a repeat shows nothing."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ollama_lsp.completion.syntax import Syntax
from ollama_lsp.context import CodeContext

__all__ = ["cut_repeats", "following_lines", "repeats_neighbour"]

#: How far below the cursor a repeat may start (the model skipped a line or two).
_LOOK_AHEAD = 3
_WORD = re.compile(r"\w\w")


def following_lines(context: CodeContext, count: int = 8) -> list[str]:
    """The first non-blank lines after the cursor's line."""
    lines = [line for line in context.suffix.split("\n")[1:] if line.strip()]
    return lines[:count]


def cut_repeats(
    lines: Sequence[str], context: CodeContext, syntax: Syntax
) -> tuple[list[str], bool]:
    """Cut before a line that repeats the previous one or begins a run of the document's
    lines after the cursor. Closers (``}``, ``end``) repeat by nature and are left to the
    bracket and block rules."""
    following = [line.strip() for line in following_lines(context)]
    previous = None
    for i, line in enumerate(lines):
        text = (context.line_prefix + line if i == 0 else line).strip()
        if not text or (i == 0 and context.line_prefix.strip()):
            previous = text or previous
            continue
        distinct = _WORD.search(text) is not None and not syntax.closer.fullmatch(text)
        if distinct and text == previous:
            return list(lines[:i]), True
        if distinct and _repeats_document(lines, i, following):
            return list(lines[:i]), True
        previous = text
    return list(lines), False


def _repeats_document(lines: Sequence[str], i: int, following: list[str]) -> bool:
    """Whether ``lines[i:]`` repeat the document: the very next line, or (further down) a
    run of at least two lines that goes on to the completion's end."""
    if following and lines[i].strip() == following[0]:
        return True
    rest = [line.strip() for line in lines[i:] if line.strip()]
    for start in range(1, min(_LOOK_AHEAD, len(following))):
        ahead = following[start:]
        if len(rest) >= 2 and len(rest) <= len(ahead) + 1 and rest[0] == ahead[0]:
            pairs = list(zip(rest, ahead, strict=False))
            if all(a == b for a, b in pairs[:-1]) and ahead[len(pairs) - 1].startswith(
                pairs[-1][0]
            ):
                return True
    return False


def repeats_neighbour(text: str, context: CodeContext) -> bool:
    """Whether a suggestion's first line only rewrites a line next to it: the line above the
    cursor, the cursor's own (for a suggestion that starts below it), or the one below."""
    following = following_lines(context, 1)
    below = following[0].strip() if following else None
    if text.startswith("\n"):
        new = text.strip().split("\n", 1)[0]
        return new in ((context.line_prefix + context.line_suffix).strip(), below)
    above = context.prefix[: len(context.prefix) - len(context.line_prefix)].rstrip("\n")
    previous = above[above.rfind("\n") + 1 :].strip()
    first = (context.line_prefix + text).split("\n", 1)[0].strip()
    if len(previous) > 3 and first == previous:
        return True
    whole = (context.line_prefix + text + context.line_suffix).strip()
    return "\n" not in text and _WORD.search(whole) is not None and whole == below
