"""Where a multi-line completion ends: with the block it opens, or with the block the cursor
is in; never in the next function the model goes on to write.

Lines are the completion's, the first one continuing the cursor's line. Two cases:

- **A header opens the block** (``def f():``, ``if x {``, ``steps:``): its body is indented
  deeper; the first line back at the header's level ends it. A closer there (``}``, ``end``,
  ``</ul>``) is the block's own and is kept unless the document already has that very line;
  ``else``/``} catch {`` go on.
- **Statements at the cursor's level** (an empty line): lines at that level or deeper are
  kept; a line less indented ends the cursor's block (a closer there is kept on the same
  terms); after a blank line, a new statement at that level ends the suggestion once a
  compound one (a function, a rule) is complete, and at the top level always (one paragraph
  at a time). SQL ends with its statement's ``;``; TOML with the next ``[table]``.

Brackets are cut separately (:mod:`ollama_lsp.completion.join`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ollama_lsp.completion.shape import indent_of, opens_block
from ollama_lsp.completion.syntax import Syntax
from ollama_lsp.context import CodeContext

__all__ = ["cut_block", "cut_line"]

Cut = tuple[list[str], bool]  # the lines kept, and whether later text can no longer matter


def cut_line(lines: Sequence[str]) -> Cut:
    """One line of new text: the rest of the cursor's line, or the first non-blank line below
    it with the blank lines before it."""
    if lines[0].strip():
        return [lines[0]], len(lines) > 1
    for k in range(1, len(lines)):
        if lines[k].strip():
            return list(lines[: k + 1]), len(lines) > k + 1
    return list(lines), False


def cut_block(lines: Sequence[str], context: CodeContext, syntax: Syntax) -> Cut:
    """The completion up to the end of the block it opens or the cursor is in."""
    before = context.line_prefix
    first = next((k for k, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return list(lines), False
    if not before.strip():
        level = indent_of(before + lines[0]) if first == 0 else indent_of(lines[first])
        return _statements(lines, first, level, context, syntax)
    if opens_block(before, syntax):  # the cursor's line is the header, whatever follows
        return _body(lines, 1, before, context, syntax)
    header = before + lines[0]
    if opens_block(header, syntax):
        return _body(lines, 1, header, context, syntax)
    if first > 0:  # starts on the next line: that line may be the header (``{`` in K&R C)
        if opens_block(lines[first], syntax):
            return _body(lines, first + 1, lines[first], context, syntax)
        return _statements(lines, first, indent_of(lines[first]), context, syntax)
    following = next((k for k in range(1, len(lines)) if lines[k].strip()), None)
    if (
        following is not None
        and indent_of(lines[following]) == indent_of(header)
        and syntax.continuation.match(lines[following].strip())  # an Allman brace
    ):
        return _body(lines, following, header, context, syntax)
    return _statements(lines, 0, indent_of(header), context, syntax)


def _body(
    lines: Sequence[str], start: int, header: str, context: CodeContext, syntax: Syntax
) -> Cut:
    level = indent_of(header)
    if syntax.section.match(header.strip()):  # a TOML table: its keys sit at its own level
        return _statements(lines, start, level, context, syntax, seen=True)
    for i in range(start, len(lines)):
        text = lines[i].strip()
        if not text or indent_of(lines[i]) > level:
            continue
        if indent_of(lines[i]) == level:
            if syntax.continuation.match(text) or syntax.same_level_body.match(text):
                continue
            if syntax.closer.match(text):
                return _with_closer(lines, i, context)
        return list(lines[:i]), True
    return list(lines), False


def _statements(
    lines: Sequence[str],
    start: int,
    level: int,
    context: CodeContext,
    syntax: Syntax,
    *,
    seen: bool = False,
) -> Cut:
    blank = deeper = False  # deeper: this group of statements holds a compound one
    headers = 0  # blocks opened at this level and not closed yet
    for i in range(start, len(lines)):
        line = context.line_prefix + lines[0] if i == 0 else lines[i]
        text = line.strip()
        if not text:
            blank = seen
            continue
        indent = indent_of(line)
        if indent < level:
            if syntax.closer.match(text):
                return _with_closer(lines, i, context)
            return list(lines[:i]), True
        if indent == level and syntax.closer.match(text):
            if not headers:  # it closes the block the cursor is in
                return _with_closer(lines, i, context)
            headers -= not opens_block(line, syntax)
        elif indent == level and opens_block(line, syntax):
            headers += 1
        if indent == level and seen and blank:
            if syntax.section.match(text) or (
                (level == 0 or deeper) and not syntax.continuation.match(text)
            ):
                return list(lines[:i]), True
            deeper = False
        elif indent == level and seen and syntax.section.match(text):
            return list(lines[:i]), True
        deeper = deeper or indent > level
        if indent == level and syntax.statement_end and _ends_statement(text, syntax):
            return list(lines[: i + 1]), True
        seen, blank = True, False
    return list(lines), False


def _with_closer(lines: Sequence[str], i: int, context: CodeContext) -> Cut:
    """Keep the closer at ``lines[i]`` unless the line right after the cursor is that line."""
    following = next((line for line in context.suffix.split("\n")[1:] if line.strip()), "")
    keep = i if following.rstrip() == lines[i].rstrip() else i + 1
    return list(lines[:keep]), True


def _ends_statement(text: str, syntax: Syntax) -> bool:
    assert syntax.statement_end is not None
    code = text.split(syntax.comment, 1)[0] if syntax.comment else text
    return code.rstrip().endswith(syntax.statement_end)
