"""Read the rewritten region out of a model's answer.

Models answer in the form they were trained or asked for, and sometimes in the other one:
the region between ``<|editable_region_start|>`` and ``<|editable_region_end|>`` (Zeta,
Instinct), or a fenced code block (instruction layout). Both are accepted, markers first.
An answer that was cut off (no end marker, no closing fence, while the generation ran out of
tokens) is no rewrite: taking it would delete the rest of the region. Nor is a diff: small
chat models like to answer with one, and taken as code it would write its ``+``/``-`` lines
into the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ollama_lsp.completion.reasoning import strip_reasoning
from ollama_lsp.families import CURSOR_MARKER, REGION_END, REGION_START, START_OF_FILE

__all__ = ["Rewrite", "answer_complete", "parse_rewrite"]

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})([^\n`]*)\n", re.MULTILINE)
_DIFF_START = re.compile(r"\s*(@@ |--- |\+\+\+ |diff --git)")


@dataclass(frozen=True, slots=True)
class Rewrite:
    """The region as the model rewrote it; ``cursor`` where it put the cursor marker."""

    text: str
    cursor: int | None = None


def answer_complete(text: str) -> bool:
    """Whether ``text`` (the answer so far) already holds a whole rewrite: generating more
    cannot change it, so the stream may be closed."""
    text = strip_reasoning(text)
    start = text.find(REGION_START)
    if start >= 0:
        return text.find(REGION_END, start) >= 0
    return _fenced(text) is not None


def parse_rewrite(answer: str, *, finished: bool) -> Rewrite | None:
    """The rewrite in ``answer``; ``finished`` is true when the model ended on its own (not
    cut by the token budget). None when the answer holds no usable rewrite."""
    text = strip_reasoning(answer)
    start = text.find(REGION_START)
    if start >= 0:
        body = text[start + len(REGION_START) :]
        end = body.find(REGION_END)
        if end >= 0:
            body = body[:end]
        elif not finished:
            return None
        else:  # ended at the end marker (a stop sequence), or without it
            body = _without_closing_fence(body)
        return _rewrite(_strip_one_newline(body))
    fenced = _fenced(text)
    if fenced is not None:
        return _rewrite(fenced)
    if REGION_END in text and finished:  # the start marker was in the prompt's last line
        return _rewrite(_strip_one_newline(text[: text.find(REGION_END)]))
    return None


def _fenced(text: str) -> str | None:
    """The body of the first complete fenced block that is not a diff, without its final
    line break."""
    at = 0
    while (opening := _FENCE.search(text, at)) is not None:
        fence, info = opening.group(1), opening.group(2).strip().lower()
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0]) * len(fence)}[ \t]*$", re.MULTILINE)
        close = closing.search(text, opening.end())
        if close is None:
            return None
        body = text[opening.end() : close.start()].removesuffix("\n")
        if info not in ("diff", "patch") and not _DIFF_START.match(body):
            return body
        at = close.end()
    return None


def _without_closing_fence(body: str) -> str:
    """An answer that ended without the end marker: drop a closing fence after the region."""
    stripped = body.rstrip()
    return stripped[:-3] if stripped.endswith("```") else body


def _strip_one_newline(body: str) -> str:
    """The markers sit on lines of their own: drop the line break after the start marker and
    the one before the end marker."""
    body = body.removeprefix("\r\n") if body.startswith("\r\n") else body.removeprefix("\n")
    return body.removesuffix("\r\n") if body.endswith("\r\n") else body.removesuffix("\n")


def _rewrite(body: str) -> Rewrite:
    body = body.replace(START_OF_FILE, "")
    cursor = body.find(CURSOR_MARKER)
    if cursor < 0:
        return Rewrite(body)
    return Rewrite(body.replace(CURSOR_MARKER, ""), cursor)
