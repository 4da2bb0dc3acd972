"""One line or a block: decided from the code around the cursor, then from the model's first
line.

Before generating, the cursor says what may come (:func:`shape_at`):

- text after the cursor on its line (other than closers the editor typed): the rest of the
  line (:attr:`Shape.LINE`);
- an empty line, or a line that opens a block whose body the document lacks (``if x {``,
  ``def f():``, ``environment:``, ``<ul>``): a block (:attr:`Shape.BLOCK`);
- the end of any other line: one line of new text, or a block if that line turns out to open
  one (:attr:`Shape.LINE_OR_BLOCK`): after ``func area(w, h float64) float64 `` the model
  writes ``{``, and the body that follows is wanted (:func:`keeps_block`).

"One line of new text" may start on the next line: after ``return a + b`` a model may rightly
write ``\\n}``. That is why no ``"\\n"`` stop sequence is sent: the early-stop predicate ends a
one-line generation once a line of new text is complete, which a stop sequence cannot say
(and a reasoning model's think block holds many newlines).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence

from ollama_lsp.completion.brackets import brackets, opened_before
from ollama_lsp.completion.syntax import Syntax
from ollama_lsp.context import CodeContext

__all__ = [
    "Shape",
    "body_follows",
    "indent_of",
    "keeps_block",
    "num_predict",
    "opens_block",
    "unfinished",
]

#: Generation budget of a one-line suggestion (the rest of a line).
LINE_TOKENS = 64
#: What may follow the cursor on its line and still count as the end of the line.
_CLOSERS_ONLY = re.compile(r"[)\]}>\"'`;,\s]*")
#: A brace-language line that may open a block with ``{`` on the next line (Allman style).
_ALLMAN_HEADER = re.compile(r"(?:\)|\belse|\btry|\bdo|\bfinally)\s*$")
_LONE_OPENER = re.compile(r"(?:\{|then|do|begin)\s*$", re.IGNORECASE)
_VALUE_OPENER = re.compile(r"[:=]")
_WANTS_MORE = re.compile(
    r"(?:^|[\s(])(?:def|class|function|func|fn|struct|interface|enum|trait|type|let|const|"
    r"var|val|new|import|from|package|module|namespace|extends|implements)$"
)


class Shape(enum.Enum):
    LINE = "line"
    LINE_OR_BLOCK = "line-or-block"
    BLOCK = "block"


def indent_of(line: str) -> int:
    """Indentation width of ``line`` (a tab counts four)."""
    expanded = line.expandtabs(4)
    return len(expanded) - len(expanded.lstrip())


def num_predict(shape: Shape, max_tokens: int) -> int:
    """Tokens to ask for: a block may take them all, the rest of a line needs few."""
    return min(max_tokens, LINE_TOKENS) if shape is Shape.LINE else max_tokens


def shape_at(context: CodeContext, syntax: Syntax) -> Shape:
    """What may be suggested at the cursor, before the model has said anything."""
    before, after = context.line_prefix, context.line_suffix.strip()
    if syntax.one_line or opened_before(context.prefix, syntax)[2]:
        return Shape.LINE  # a record of a CSV file; a comment's text
    if after and not _CLOSERS_ONLY.fullmatch(after):
        return Shape.LINE
    if not before.strip():
        return Shape.BLOCK
    if opens_block(before, syntax) and not body_follows(context, before, syntax):
        return Shape.BLOCK
    return Shape.LINE_OR_BLOCK


def opens_block(line: str, syntax: Syntax) -> bool:
    """Whether ``line`` ends (or, for keyword languages, starts) a block header."""
    code = _code(line, syntax)
    if not code:
        return False
    found = syntax.opener.search(code)
    if found is not None:
        # ``a[1:`` or ``{"key":`` end with a colon inside brackets: a value, not a block.
        return not (_VALUE_OPENER.match(found.group().strip()) and _unclosed(code, syntax))
    return syntax.opener_start.match(code) is not None and re.search(r"\bend\b", code) is None


def unfinished(line: str, syntax: Syntax) -> bool:
    """Whether ``line`` must go on on the same line: it ends with a keyword that wants a name
    or value after it (``public function``, ``import``), or it is a header that needs its
    opener there (Python's ``def f(x)`` without the colon)."""
    code = _code(line, syntax)
    if _WANTS_MORE.search(code):
        return True
    return syntax.header.match(code) is not None and not opens_block(code, syntax)


def _code(line: str, syntax: Syntax) -> str:
    """``line`` without its comment and surrounding blanks."""
    comment = brackets(line, syntax)[2]
    return (line[:comment] if comment >= 0 else line).strip()


def _unclosed(code: str, syntax: Syntax) -> bool:
    depth = 0
    for _, char in brackets(code, syntax)[0]:
        depth += 1 if char in "([{" else -1
    return depth > 0


def body_follows(context: CodeContext, opener: str, syntax: Syntax) -> bool:
    """Whether the document already holds the body of the block ``opener`` (a line at the
    cursor) opens: the next line is indented deeper, or is a section's first entry."""
    rest = context.suffix.split("\n")[1:]
    if syntax.section.match(opener.strip()):
        return bool(rest) and bool(rest[0].strip()) and not syntax.section.match(rest[0].strip())
    level = indent_of(opener)
    for line in rest:
        if line.strip():
            return indent_of(line) > level or (
                indent_of(line) == level and syntax.same_level_body.match(line.strip()) is not None
            )
    return False


def keeps_block(
    lines: Sequence[str], context: CodeContext, syntax: Syntax, *, complete: bool
) -> bool | None:
    """For :attr:`Shape.LINE_OR_BLOCK`: whether the model's first line of new text opens a
    block the document lacks (keep the block), or not (keep the line). ``None`` while that
    cannot be told yet; ``complete`` says the last of ``lines`` is whole."""
    whole = len(lines) if complete else len(lines) - 1
    if lines[0].strip():
        first, header = 0, context.line_prefix + lines[0]
    else:
        first = next((k for k in range(1, len(lines)) if lines[k].strip()), len(lines))
        if first >= len(lines):
            return None if not complete else False
        header = lines[first]
    if first >= whole:
        return None
    if opens_block(header, syntax):
        return not body_follows(context, header, syntax)
    if syntax.allman and _ALLMAN_HEADER.search(header):
        following = next((line for line in lines[first + 1 : whole] if line.strip()), None)
        if following is None:
            return None if not complete else False
        if _LONE_OPENER.match(following.strip()) and indent_of(following) == indent_of(header):
            return not body_follows(context, header, syntax)
    return False
