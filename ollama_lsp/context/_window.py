"""Cut the text around the cursor to a budget, at line boundaries, with a stable start.

Tokens are estimated as ``len(text) / CHARS_PER_TOKEN`` (3.5 characters a token): no tokenizer
is loaded, the estimate costs nothing, and for indented code it errs on the safe side (runs of
spaces are one token in code models' vocabularies).
"""

from __future__ import annotations

import math

__all__ = ["CHARS_PER_TOKEN", "cut_window", "estimate_tokens"]

CHARS_PER_TOKEN = 3.5


def estimate_tokens(text: str) -> int:
    """Estimated token count of ``text``."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def cut_window(
    text: str,
    offset: int,
    prefix_chars: int,
    suffix_chars: int,
    *,
    anchor_lines: int = 16,
    start_line: int | None = None,
) -> tuple[int, int]:
    """``(start, end)`` of the window around ``offset`` within the character budgets.

    The current line is whole on both sides (unless it alone is longer than the budget of its
    side). Other lines are whole or absent. Unused suffix budget goes to the prefix. The
    prefix starts on a line whose number is a multiple of a grid step (``anchor_lines`` at most,
    a power of two, no more than a quarter of the prefix's lines), so that when the cursor moves
    a few lines the start does not move and the model's KV cache still holds the prompt's
    beginning. ``start_line``, the start of an earlier window, is kept while the prefix from it
    fits the budget and it is not below the cursor's line.
    """
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    line_end = len(text) if line_end < 0 else line_end

    if line_end - offset > suffix_chars:
        end = offset + suffix_chars
    elif offset + suffix_chars >= len(text):
        end = len(text)
    else:
        end = max(line_end, text.rfind("\n", line_end, offset + suffix_chars + 1))
    prefix_chars += max(0, suffix_chars - (end - offset))

    if offset - line_start > prefix_chars:
        return offset - prefix_chars, end
    earliest = offset - prefix_chars
    if start_line is not None:
        kept = _line_offset(text, start_line)
        if kept is not None and earliest <= kept <= line_start:
            return kept, end
    if earliest <= 0:
        return 0, end
    start = text.find("\n", earliest - 1) + 1
    if start > line_start:
        return line_start, end
    # A coarse grid wastes at most a quarter of the prefix: powers of two keep it stable.
    grid = 1
    while grid * 2 <= min(anchor_lines, text.count("\n", start, offset) // 4):
        grid *= 2
    misalignment = text.count("\n", 0, start) % grid
    for _ in range(grid - misalignment if misalignment else 0):
        if start >= line_start:
            break
        start = text.find("\n", start) + 1
    return start, end


def _line_offset(text: str, line: int) -> int | None:
    """Where line ``line`` (0-based) of ``text`` starts, if it has that many lines."""
    at = 0
    for _ in range(line):
        at = text.find("\n", at) + 1
        if at == 0:
            return None
    return at
