"""The seams between a completion and the text around the cursor.

- No double space: ``return |`` and the model's `` this;`` give ``return this;``.
- No doubled closer: a ``)``, ``]``, ``"`` or ``;`` the rest of the line already has is not
  repeated, nor a bracket the document closes further down; one the document lacks is kept
  (``print(max(a, |`` at the end of the file: ``b))``).
- A completion that closes the block the cursor is in ends with that line.
"""

from __future__ import annotations

import re

from ollama_lsp.completion.brackets import (
    OPEN_FOR,
    allowed_closes,
    brackets,
    closers_after,
    opened_before,
)
from ollama_lsp.completion.syntax import Syntax
from ollama_lsp.context import CodeContext

__all__ = ["cut_closers", "strip_leading_space", "tidy_end", "trim_overlap"]

# ``<`` and ``>`` that are operators, not the brackets of a generic type.
_ARROWS = re.compile(r"->|=>|>=|<=|<<|>>|\s[<>]\s")


def strip_leading_space(text: str, line_prefix: str) -> str:
    """Drop the completion's leading blanks where the line already ends with one; after pure
    indentation only a lone space (a tokenizer's habit), never a deeper indentation."""
    if not line_prefix or line_prefix[-1] not in " \t":
        return text
    if line_prefix.strip():
        return text.lstrip(" \t")
    return text[1:] if re.match(r" \S", text) else text


def trim_overlap(text: str, context: CodeContext, syntax: Syntax) -> str:
    """Drop the end of a one-line completion that repeats the text after the cursor."""
    after = context.line_suffix.rstrip()
    if not after.strip() or "\n" in text:
        return text
    before = context.line_prefix
    current = _imbalance(before + text + after, syntax)
    for k in range(len(after), 0, -1):
        overlap = after[:k]
        if not text.endswith(overlap):
            continue
        if re.search(r"\w", overlap) and (k < len(after) or k < 2):
            continue
        kept = text[:-k]
        if ">" in overlap and abs(_angles(kept)) > abs(_angles(text)):
            continue  # ``vector<int>`` keeps its own ``>``
        if _imbalance(before + kept + after, syntax) <= current:
            return kept
    return text


def _angles(text: str) -> int:
    bare = _ARROWS.sub("", text)
    return bare.count("<") - bare.count(">")


def _imbalance(line: str, syntax: Syntax) -> int:
    """Unclosed brackets, closers that close nothing, and an unclosed quote, in ``line``."""
    stack: list[str] = []
    excess = 0
    found, quote, _ = brackets(line, syntax)
    for _, char in found:
        if char in "([{":
            stack.append(char)
        elif stack and stack[-1] == OPEN_FOR[char]:
            stack.pop()
        else:
            excess += 1
    return excess + len(stack) + (quote is not None)


def cut_closers(text: str, context: CodeContext, syntax: Syntax) -> tuple[str, bool]:
    """Cut at a closer that closes nothing, the wrong thing, or what the document closes
    itself; end at the line that closes the block the cursor is in. The flag says the text
    was cut (more of it could not change the result)."""
    opened, quote, _ = opened_before(context.prefix, syntax)
    allowed = allowed_closes(opened, closers_after(context.suffix, syntax, quote))
    stack = list(opened)
    own: list[str] = []
    block_end = cut_after = -1  # the end of the line closing the cursor's block; its closer
    for i, char in brackets(text, syntax, quote)[0]:
        if block_end >= 0 and i >= block_end:
            break
        if char in "([{":
            own.append(char)
            continue
        if own:
            if own[-1] != OPEN_FOR[char]:
                return text[:i], True
            own.pop()
            continue
        if len(opened) - len(stack) >= allowed or not stack or stack[-1].char != OPEN_FOR[char]:
            return text[:i], True
        closed = stack.pop()
        if not closed.on_cursor_line and block_end < 0:
            newline = text.find("\n", i)
            block_end = len(text) if newline < 0 else newline
            cut_after = i + 1
    if block_end < 0:
        return text, False
    # Keep the rest of the closing line (``});``) unless it opens something new (``} else {``).
    return (text[:cut_after] if own else text[:block_end]), True


def tidy_end(text: str, context: CodeContext) -> str:
    """No trailing blanks (but the space before a word that follows the cursor); a block
    inserted before the rest of the line leaves that rest on its own line, indented."""
    after = context.line_suffix
    text = text.rstrip("\n") if after[:1].isalnum() or after[:1] == "_" else text.rstrip()
    if "\n" in text and after.strip():
        indent = context.line_prefix[: len(context.line_prefix) - len(context.line_prefix.lstrip())]
        text = text.rstrip() + "\n" + indent
    return text
