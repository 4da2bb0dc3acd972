"""Turn a model's raw completion into a suggestion worth showing, or into nothing.

Rules, in order: cut at the first FIM or special token (and a half-written one at the end),
drop code fences, keep one line or one block, cut where the output starts repeating the lines
after the cursor, cut at a closing bracket the document already has, trim overlap with the text
after the cursor, and reject what is blank or repeats the line above. Pure functions over text;
the same cuts drive :func:`make_stop_predicate`, which ends a streaming generation early.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from ollama_lsp.context import CodeContext
from ollama_lsp.families import special_tokens

__all__ = ["is_multiline_position", "make_stop_predicate", "postprocess"]

_TOKENS = sorted(special_tokens(), key=len, reverse=True)
_SPECIAL = re.compile(
    "|".join(re.escape(token) for token in _TOKENS)
    + r"|<\|[A-Za-z0-9_]{1,40}\|>|<\uff5c[^\uff5c\n]{1,40}\uff5c>"
)
_PARTIAL = frozenset(t[:n] for t in _TOKENS for n in range(3, len(t)))
_LONGEST_PARTIAL = max(map(len, _TOKENS))
_OPEN_FOR = {")": "(", "]": "[", "}": "{"}
_QUOTES = "\"'`"
_BRACKET_SCAN = re.compile(r"[\n\\()\[\]{}\"'`]")
_BLOCK_OPENER = re.compile(r"(?:[:{(\[]|=>|->|\bthen|\bdo|\bbegin)\s*$")
_FENCE = "```"
_KEEPS_FENCES = ("markdown", "mdx")
# Lines that continue a block at the opener's own level rather than end it.
_CONTINUATION = re.compile(r"\s*(?:else|elif|except|finally|catch|case|default)\b")


def is_multiline_position(context: CodeContext) -> bool:
    """Whether a block (several lines) is wanted here rather than the rest of one line.

    Multi-line on an empty line, at the end of a line that opens a block (``:``, ``{``, ``(``,
    ``=>`` ...), and between an empty pair of braces; single line elsewhere.
    """
    before, after = context.line_prefix, context.line_suffix.strip()
    if after:
        return before.rstrip().endswith("{") and after.startswith("}")
    return not before.strip() or _BLOCK_OPENER.search(before) is not None


def postprocess(raw: str, context: CodeContext, *, multiline: bool) -> str:
    """The part of ``raw`` worth inserting at the cursor of ``context``; ``""`` if none is."""
    text = _strip_fences(_cut_special(raw.replace("\r\n", "\n")), context.language_id)
    if multiline:
        text, _ = _cut_block(text, context)
    else:
        text = text.split("\n", 1)[0]
    text, _ = _cut_closers(text, context)
    text = _trim_overlap(text, context)
    text = _tidy_end(text, context, multiline)
    return "" if _is_junk(text, context) else _cut_special(text)


def make_stop_predicate(context: CodeContext, *, multiline: bool) -> Callable[[str], bool]:
    """``should_stop(text_so_far)``: true once more output could not change the suggestion."""
    fences = context.language_id.lower() not in _KEEPS_FENCES

    def should_stop(text: str) -> bool:
        if _SPECIAL.search(text) or (fences and _FENCE in text.lstrip()[3:]):
            return True
        if not multiline:
            return "\n" in text
        complete = text[: text.rfind("\n") + 1]
        return _cut_block(complete, context)[1] or _cut_closers(complete, context)[1]

    return should_stop


def _cut_special(text: str) -> str:
    while (found := _SPECIAL.match(text)) is not None:
        text = text[found.end() :]
    found = _SPECIAL.search(text)
    if found is not None:
        text = text[: found.start()]
    start = text.rfind("<", max(0, len(text) - _LONGEST_PARTIAL))
    if start >= 0 and text[start:] in _PARTIAL:
        text = text[:start]
    return text


def _strip_fences(text: str, language_id: str) -> str:
    if language_id.lower() in _KEEPS_FENCES:
        return text
    if text.lstrip().startswith(_FENCE):
        newline = text.find("\n")
        text = "" if newline < 0 else text[newline + 1 :]
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.lstrip().startswith(_FENCE):
            return "\n".join(lines[:i])
    return text


def _indent(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())


def _following_line(context: CodeContext) -> str | None:
    """The first non-blank line after the cursor line, or the rest of the cursor line."""
    if context.line_suffix.strip():
        return context.line_suffix
    for line in context.suffix.split("\n")[1:]:
        if line.strip():
            return line
    return None


def _cut_block(text: str, context: CodeContext) -> tuple[str, bool]:
    """Cut a multi-line completion where its block ends; the flag says whether it was cut."""
    lines = text.split("\n")
    following = _following_line(context)
    line_prefix = context.line_prefix
    if line_prefix.strip():
        # After a block opener the block ends at the opener's own level.
        threshold = _indent(line_prefix) + 1
    else:
        first = next((i for i, line in enumerate(lines) if line.strip()), 0)
        threshold = _indent(line_prefix + lines[0] if first == 0 else lines[first])
    if following is not None and (line_prefix + lines[0]).strip() == following.strip():
        return "", True
    blank_before = False
    for i, line in enumerate(lines[1:], start=1):
        if not line.strip():
            blank_before = True
            continue
        indent = _indent(line)
        continues = line.lstrip()[0] in _OPEN_FOR or _CONTINUATION.match(line) is not None
        if (
            (indent < threshold and not continues)
            or (threshold == 0 and blank_before and not continues)
            or (following is not None and line.rstrip() == following.rstrip())
        ):
            return "\n".join(lines[:i]), True
        blank_before = False
    return text, False


def _brackets(text: str, quote: str | None) -> tuple[list[tuple[int, str]], str | None]:
    """Positions of the brackets of ``text`` outside string literals, and the quote still
    open at the end (``quote`` is the one open at the start; a quote ends at a line end).

    Only the characters that matter are visited (a regex finds them): this runs on up to
    4,000 characters of prefix per request, where a loop over every character costs a third
    of a millisecond.
    """
    found = []
    escaped = -1  # the index of the character a backslash in a string escapes
    for match in _BRACKET_SCAN.finditer(text):
        i, char = match.start(), match.group()
        if char == "\n":
            quote = None
        elif i == escaped:
            continue
        elif quote is not None:
            if char == "\\":
                escaped = i + 1
            elif char == quote:
                quote = None
        elif char in _QUOTES:
            quote = char
        elif char != "\\":
            found.append((i, char))
    return found, quote


@functools.lru_cache(maxsize=8)
def _open_at_end(prefix_tail: str) -> tuple[tuple[str, ...], str | None]:
    """The brackets still open at the end of ``prefix_tail``, and the open quote."""
    stack: list[str] = []
    found, quote = _brackets(prefix_tail, None)
    for _, char in found:
        if char in "([{":
            stack.append(char)
        elif stack and stack[-1] == _OPEN_FOR[char]:
            stack.pop()
    return tuple(stack), quote


def _cut_closers(text: str, context: CodeContext) -> tuple[str, bool]:
    """Cut at a closing bracket that closes nothing, closes the wrong thing, or that the
    document already has right after the cursor."""
    opened, quote = _open_at_end(context.prefix[-4000:])
    prefix_stack = list(opened)
    own: list[str] = []
    next_char = context.suffix.lstrip()[:1]
    for i, char in _brackets(text, quote)[0]:
        if char in "([{":
            own.append(char)
            continue
        wanted = _OPEN_FOR[char]
        if own:
            if own[-1] != wanted:
                return text[:i], True
            own.pop()
        elif not prefix_stack or prefix_stack[-1] != wanted or next_char == char:
            return text[:i], True
        else:
            prefix_stack.pop()
    return text, False


def _imbalance(line: str) -> int:
    """Unclosed brackets, closers that close nothing, and an unclosed quote, in ``line``."""
    stack: list[str] = []
    excess = 0
    found, quote = _brackets(line, None)
    for _, char in found:
        if char in "([{":
            stack.append(char)
        elif stack and stack[-1] == _OPEN_FOR[char]:
            stack.pop()
        else:
            excess += 1
    return excess + len(stack) + (quote is not None)


def _trim_overlap(text: str, context: CodeContext) -> str:
    """Drop the end of a one-line completion that repeats the text after the cursor."""
    after = context.line_suffix.rstrip()
    if not after.strip() or "\n" in text:
        return text
    before = context.line_prefix
    current = _imbalance(before + text + after)
    for k in range(len(after), 0, -1):
        overlap = after[:k]
        if not text.endswith(overlap):
            continue
        if re.search(r"\w", overlap) and (k < len(after) or k < 2):
            continue
        if _imbalance(before + text[:-k] + after) <= current:
            return text[:-k]
    return text


def _tidy_end(text: str, context: CodeContext, multiline: bool) -> str:
    after = context.line_suffix
    # A space before a word that follows the cursor is wanted (``x = |foo`` -> ``await ``).
    text = text.rstrip("\n") if after[:1].isalnum() or after[:1] == "_" else text.rstrip()
    if multiline and "\n" in text and after.strip():
        # The rest of the cursor line goes below the block, at the cursor line's indentation.
        text = text.rstrip() + "\n" + context.line_prefix[: _indent_chars(context.line_prefix)]
    return text


def _indent_chars(line: str) -> int:
    return len(line) - len(line.lstrip())


def _is_junk(text: str, context: CodeContext) -> bool:
    if not text.strip():
        return True
    above = context.prefix[: len(context.prefix) - len(context.line_prefix)].rstrip("\n")
    previous = above[above.rfind("\n") + 1 :].strip()
    first = (context.line_prefix + text.lstrip("\n")).split("\n", 1)[0].strip()
    return len(previous) > 3 and first == previous
