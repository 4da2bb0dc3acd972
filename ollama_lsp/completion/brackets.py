"""Brackets outside strings and comments: which are open at the cursor, which the text after
the cursor closes, and so how many a completion may close itself.

Only the characters that matter are visited (a regex finds them): this runs on up to 4,000
characters of prefix and suffix per request. A quote ends at a line end (an unterminated
string does not swallow the rest of the file); ``#`` starts a comment only at a line start or
after a space (``$#``, ``a#b`` are code).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ollama_lsp.completion.syntax import Syntax

__all__ = ["Close", "Open", "allowed_closes", "brackets", "closers_after", "opened_before"]

OPEN_FOR = {")": "(", "]": "[", "}": "{"}
#: How much of the prefix and of the suffix the bracket state is read from.
WINDOW = 4000


@dataclass(frozen=True, slots=True)
class Open:
    """A bracket still open at the cursor: the indentation of its line, and whether that line
    is the cursor's own."""

    char: str
    indent: int
    on_cursor_line: bool


@dataclass(frozen=True, slots=True)
class Close:
    """A closer after the cursor that closes something before it; ``indent`` when it starts
    its line (then it says which opener it belongs to), else ``None``."""

    char: str
    indent: int | None


@functools.lru_cache(maxsize=64)
def _scanner(syntax: Syntax) -> re.Pattern[str]:
    parts = [r"\n", r"\\", r"[()\[\]{}]"]
    if syntax.quotes:
        parts.append("[" + re.escape(syntax.quotes) + "]")
    if syntax.comment:
        parts.append(re.escape(syntax.comment))
    if syntax.block_comment:
        parts.append(r"/\*")
    return re.compile("|".join(parts))


def brackets(
    text: str, syntax: Syntax, quote: str | None = None
) -> tuple[list[tuple[int, str]], str | None, int]:
    """Positions of the brackets of ``text`` outside strings and comments; the quote still
    open at the end (``quote`` is the one open at the start); where a line comment that runs
    to the end starts (-1: none)."""
    found: list[tuple[int, str]] = []
    escaped = -1  # the index of the character a backslash in a string escapes
    skip_to = -1
    comment = -1
    for match in _scanner(syntax).finditer(text):
        i, token = match.start(), match.group()
        if i < skip_to:
            continue
        if token == "\n":
            quote, comment = None, -1
        elif comment >= 0 or i == escaped:
            continue
        elif quote is not None:
            if token == "\\":
                escaped = i + 1
            elif token == quote:
                quote = None
        elif token in syntax.quotes:
            quote = token
        elif token == syntax.comment:
            if token != "#" or i == 0 or text[i - 1] in " \t\n":
                comment = i
        elif token == "/*":
            end = text.find("*/", i + 2)
            skip_to = len(text) if end < 0 else end + 2
        elif token in "()[]{}":
            found.append((i, token))
    return found, quote, comment


def _indent_at(text: str, i: int) -> tuple[int, int]:
    """(indentation width, start index) of the line holding ``text[i]``."""
    start = text.rfind("\n", 0, i) + 1
    line = text[start:i]
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip()), start


@functools.lru_cache(maxsize=8)
def opened_before(prefix: str, syntax: Syntax) -> tuple[tuple[Open, ...], str | None, bool]:
    """The brackets open at the end of ``prefix`` (innermost last), the open quote, and
    whether the cursor is in a line comment."""
    tail = prefix[-WINDOW:]
    cursor_line = tail.rfind("\n") + 1
    stack: list[Open] = []
    found, quote, comment = brackets(tail, syntax)
    for i, char in found:
        if char in "([{":
            indent, start = _indent_at(tail, i)
            stack.append(Open(char, indent, start >= cursor_line))
        elif stack and stack[-1].char == OPEN_FOR[char]:
            stack.pop()
    return tuple(stack), quote, comment >= 0


@functools.lru_cache(maxsize=8)
def closers_after(suffix: str, syntax: Syntax, quote: str | None) -> tuple[Close, ...]:
    """The closers of ``suffix`` that close brackets opened before it, in order."""
    head = suffix[:WINDOW]
    depth = 0
    out: list[Close] = []
    for i, char in brackets(head, syntax, quote)[0]:
        if char in "([{":
            depth += 1
        elif depth:
            depth -= 1
        else:
            start = head.rfind("\n", 0, i) + 1
            before = head[start:i]
            starts_line = start > 0 and not before.strip()
            indent = len(before.expandtabs(4)) if starts_line else None
            out.append(Close(char, indent))
    return tuple(out)


def allowed_closes(opened: tuple[Open, ...], closes: tuple[Close, ...]) -> int:
    """How many of the open brackets (from the innermost) a completion may close.

    The text after the cursor closes some of them; the completion, inserted before it, may
    close only those the document does not. Each choice is scored by how well the suffix's
    closers then match what stays open: closers of the wrong type first, then closers whose
    indentation says they belong to another opener, extra closers and brackets left open.
    Ties go to closing fewer.
    """
    best, best_score = 0, (len(closes) + len(opened) + 1, 0)
    for j in range(len(opened) + 1):
        remaining = opened[: len(opened) - j]
        wrong = disagree = 0
        for k, close in enumerate(closes[: len(remaining)]):
            target = remaining[len(remaining) - 1 - k]
            wrong += OPEN_FOR[close.char] != target.char
            disagree += close.indent is not None and close.indent != target.indent
        unmatched = abs(len(remaining) - len(closes))
        score = (wrong, disagree + unmatched)
        if score < best_score:
            best, best_score = j, score
    return best
