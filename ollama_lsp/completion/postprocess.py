"""Turn a model's raw completion into a suggestion worth showing, or into nothing.

In order: drop a reasoning model's think block; cut at the first special token and strip code
fences and chat; join the first line to the text before the cursor; keep one line of new text
or one block (:mod:`~ollama_lsp.completion.shape`, :mod:`~ollama_lsp.completion.blocks`);
cut where it repeats the document or itself (:mod:`~ollama_lsp.completion.repeats`); trim what
the rest of the line already has and the closers the document does not want
(:mod:`~ollama_lsp.completion.join`); reject what is blank or only rewrites a neighbouring
line. Pure functions over text; the same cuts drive :func:`make_stop_predicate`, which ends a
streaming generation as soon as more output could not change the suggestion.
"""

from __future__ import annotations

from collections.abc import Callable

from ollama_lsp.completion.blocks import cut_block, cut_line
from ollama_lsp.completion.join import cut_closers, strip_leading_space, tidy_end, trim_overlap
from ollama_lsp.completion.junk import SPECIAL, cut_special, strip_fences
from ollama_lsp.completion.reasoning import strip_reasoning
from ollama_lsp.completion.repeats import cut_repeats, repeats_neighbour
from ollama_lsp.completion.shape import Shape, keeps_block, shape_at, unfinished
from ollama_lsp.completion.syntax import Syntax, syntax_for
from ollama_lsp.context import CodeContext

__all__ = ["Shape", "make_stop_predicate", "postprocess", "shape_for"]


def shape_for(context: CodeContext, setting: str = "auto") -> Shape:
    """The shape of the suggestion at ``context``: the ``completion.multiline`` setting
    (``always``, ``never``), else what the code around the cursor says."""
    if setting == "always":
        return Shape.BLOCK
    if setting == "never":
        return Shape.LINE
    return shape_at(context, _syntax(context))


def postprocess(raw: str, context: CodeContext, shape: Shape, *, truncated: bool = False) -> str:
    """The part of ``raw`` worth inserting at the cursor of ``context``; ``""`` if none is.

    ``truncated``: the generation ran out of tokens (``num_predict``), so a block that was
    not cut before the end loses its last line, written only in part.
    """
    text, final = _suggestion(raw, context, _syntax(context), shape, complete=True)
    if truncated and not final and "\n" in text.strip("\n") and not text.endswith("\n"):
        text = text[: text.rstrip("\n").rfind("\n")]
    text = tidy_end(text, context)
    return "" if not text.strip() or repeats_neighbour(text, context) else text


def make_stop_predicate(context: CodeContext, shape: Shape) -> Callable[[str], bool]:
    """``should_stop(text_so_far)``: true once more output could not change the suggestion.

    Only whole lines are judged (the line being written may still change), except for a
    special token, which ends everything at once.
    """
    syntax = _syntax(context)
    judged = [-1, 0]  # length of the text last judged, and the verdict (0/1)

    def should_stop(text: str) -> bool:
        if SPECIAL.search(strip_reasoning(text)):
            return True
        whole = text[: text.rfind("\n") + 1]
        if len(whole) != judged[0]:
            judged[:] = [len(whole), _suggestion(whole, context, syntax, shape, complete=False)[1]]
        return bool(judged[1])

    return should_stop


def _may_start_below(context: CodeContext, syntax: Syntax) -> bool:
    """Whether a one-line suggestion may start on the next line: nothing follows the cursor
    and its line is finished."""
    return not context.line_suffix.strip() and not unfinished(context.line_prefix, syntax)


def _syntax(context: CodeContext) -> Syntax:
    return syntax_for(context.language_id, context.path)


def _suggestion(
    raw: str, context: CodeContext, syntax: Syntax, shape: Shape, *, complete: bool
) -> tuple[str, bool]:
    """The suggestion in ``raw`` before tidying, and whether it is final (a cut was made:
    more text would not change it). ``complete``: ``raw`` is the whole output."""
    text, special = cut_special(strip_reasoning(raw.replace("\r\n", "\n")))
    fenced = False
    if not syntax.keeps_fences:
        text, fenced = strip_fences(text)
    lines = strip_leading_space(text, context.line_prefix).split("\n")
    if not lines[0].strip():
        lines[0] = ""
        if shape is not Shape.BLOCK and not _may_start_below(context, syntax):
            return "", len(lines) > 1  # the cursor's line must be finished where it is
    block = shape is Shape.BLOCK
    if shape is Shape.LINE_OR_BLOCK:
        decided = keeps_block(lines, context, syntax, complete=complete)
        if decided is None:
            return "\n".join(lines), special or fenced
        block = decided
    if block:
        lines, cut = cut_block(lines, context, syntax)
    else:
        lines, cut = cut_line(lines)
    lines, repeated = cut_repeats(lines, context, syntax)
    text = trim_overlap("\n".join(lines), context, syntax)
    text, closed = cut_closers(text, context, syntax)
    return text, special or fenced or cut or repeated or closed
