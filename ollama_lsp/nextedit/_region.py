"""Where a next edit may go: whole lines around the cursor, and the lines shown around them.

The editable region reaches further below the cursor than above it (the edit after a rename
is usually at a use further down), within a character budget; the excerpt adds context lines
above and below, also within a budget. Only the lines needed are split from the text.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Region", "region_at"]


@dataclass(frozen=True, slots=True)
class Region:
    """Lines ``start_line``..``end_line`` (exclusive) of a document, the cursor among them.

    ``start``/``end`` index the document's text (``end`` before the last line's line break);
    ``cursor`` indexes ``text``. ``before`` (ends with a line break unless empty) and ``after``
    (starts with one unless empty) are the context lines shown around the region.
    """

    start_line: int
    end_line: int
    start: int
    end: int
    text: str
    cursor: int
    before: str
    after: str

    @property
    def starts_file(self) -> bool:
        """Whether the excerpt (context included) begins at the top of the document."""
        return self.start_line - self.before.count("\n") == 0


def region_at(
    text: str,
    line: int,
    column: int,
    *,
    above: int = 2,
    below: int = 8,
    max_chars: int = 1600,
    context_above: int = 24,
    context_below: int = 8,
    max_context_chars: int = 3200,
) -> Region | None:
    """The region around ``line``/``column`` (code points); None when the cursor's own line
    does not fit ``max_chars`` (a minified file)."""
    stop = line + below + context_below + 1
    lines = text.split("\n", stop)
    if len(lines) > stop:
        lines.pop()  # the rest of the document, unsplit
    line = max(0, min(line, len(lines) - 1))
    if len(lines[line]) > max_chars:
        return None
    first, last = line, line + 1  # the region: lines[first:last]
    size = len(lines[line])
    grown = True
    while grown:  # one line below, one above, in turn, while they fit
        grown = False
        if last < min(len(lines), line + 1 + below) and size + len(lines[last]) + 1 <= max_chars:
            size += len(lines[last]) + 1
            last += 1
            grown = True
        if first > max(0, line - above) and size + len(lines[first - 1]) + 1 <= max_chars:
            first -= 1
            size += len(lines[first]) + 1
            grown = True
    ctx_first, ctx_last, budget = first, last, max_context_chars
    while True:  # context: twice as eager above as below
        took = False
        for _ in range(2):
            if ctx_first > max(0, first - context_above) and len(lines[ctx_first - 1]) < budget:
                ctx_first -= 1
                budget -= len(lines[ctx_first]) + 1
                took = True
        if ctx_last < min(len(lines), last + context_below) and len(lines[ctx_last]) < budget:
            budget -= len(lines[ctx_last]) + 1
            ctx_last += 1
            took = True
        if not took:
            break
    start = sum(map(len, lines[:first])) + first
    region = "\n".join(lines[first:last])
    cursor = sum(map(len, lines[first:line])) + (line - first) + min(column, len(lines[line]))
    before = "".join(f"{above_line}\n" for above_line in lines[ctx_first:first])
    after = "".join(f"\n{below_line}" for below_line in lines[last:ctx_last])
    return Region(first, last, start, start + len(region), region, cursor, before, after)
