"""Text the document already has: a completion is cut where it starts to repeat the lines
after the cursor, or itself; one that is nothing but such a repeat shows nothing."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ollama_lsp.completion.shape import indent_of
from ollama_lsp.completion.syntax import Syntax
from ollama_lsp.context import CodeContext

__all__ = ["cut_repeats", "following_lines", "repeats_neighbour"]

#: How far below the cursor a repeat may start (the model skipped a line or two).
_LOOK_AHEAD = 3
_WORD = re.compile(r"\w\w")
# A piece of at least 8 characters three times in a row (with a word in it: not ``0, 0, ``).
_LOOP = re.compile(r"(.{8,80}?)\1\1")
_NAME = re.compile(r"[A-Za-z]{3}")


def following_lines(context: CodeContext, count: int = 8) -> list[str]:
    """The first non-blank lines after the cursor's line."""
    lines = [line for line in context.suffix.split("\n")[1:] if line.strip()]
    return lines[:count]


def cut_repeats(
    lines: Sequence[str], context: CodeContext, syntax: Syntax
) -> tuple[list[str], bool]:
    """Cut where the completion repeats the document after the cursor, or itself: the same
    line twice in a row, a pair of lines again (the model is looping), a key or declaration
    again (data, CSS), a piece of a line three times over. Closers (``}``, ``end``) repeat by
    nature and are left to the bracket and block rules."""
    following = [line.strip() for line in following_lines(context)]
    seen: list[tuple[int, str]] = []  # (index, line) of the non-blank lines so far
    for i, line in enumerate(lines):
        whole = (context.line_prefix + line if i == 0 else line).rstrip()
        text = whole.strip()
        looped = _loop_in(line)
        if looped is not None:  # a first line keeps its first round; a later one goes
            return [*lines[:i], line[:looped].rstrip()] if i == 0 else list(lines[:i]), True
        if not text:
            continue
        distinct = _WORD.search(text) is not None and not syntax.closer.fullmatch(text)
        if distinct and not (i == 0 and context.line_prefix.strip()):
            earlier = [other for _, other in seen]
            if (
                (earlier and text == earlier[-1].strip())
                or (syntax.unique_lines and whole in earlier)
                or _repeats_document(lines, i, following)
            ):
                return list(lines[:i]), True
            if _pair_again(seen, whole):
                return list(lines[: _after_body(lines, seen)]), True
        seen.append((i, whole))
    return list(lines), False


def _pair_again(seen: list[tuple[int, str]], whole: str) -> bool:
    """Whether the last line seen and ``whole`` follow each other a second time."""
    if len(seen) < 3 or _WORD.search(seen[-1][1]) is None:
        return False
    last = seen[-1][1]
    return any(seen[k][1] == last and seen[k + 1][1] == whole for k in range(len(seen) - 2))


def _after_body(lines: Sequence[str], seen: list[tuple[int, str]]) -> int:
    """Where to cut before the second round of a loop that began at the last line seen: not
    between a header and its body (the body lines indented under the line before go too)."""
    cut = seen[-1][0]
    level = indent_of(seen[-2][1])
    while cut < len(lines) and lines[cut].strip() and indent_of(lines[cut]) > level:
        cut += 1
    return cut


def _loop_in(line: str) -> int | None:
    """Where the first copy ends of a piece of ``line`` that comes three times in a row (a
    model repeating itself within a line); ``None`` if nothing does."""
    if len(line) < 24 or len(line) > 400:
        return None
    for found in _LOOP.finditer(line):
        if _NAME.search(found.group(1)):
            return found.start() + len(found.group(1))
    return None


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
