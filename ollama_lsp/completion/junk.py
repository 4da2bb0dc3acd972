"""What a model writes that is not code for the cursor: special tokens (FIM markers, end of
text, another file) and the code fences and chat talk of instruction-tuned models."""

from __future__ import annotations

import re

from ollama_lsp.families import special_tokens

__all__ = ["SPECIAL", "cut_special", "strip_fences"]

_TOKENS = sorted(special_tokens(), key=len, reverse=True)
SPECIAL = re.compile(
    "|".join(re.escape(token) for token in _TOKENS)
    + r"|<\|[A-Za-z0-9_]{1,40}\|>|<\uff5c[^\uff5c\n]{1,40}\uff5c>"
)
_PARTIAL = frozenset(t[:n] for t in _TOKENS for n in range(3, len(t)))
_LONGEST_PARTIAL = max(map(len, _TOKENS))
_FENCE = "```"
# A line of chat before a fence: "Here is the implementation:".
_INTRO = re.compile(r"[A-Z][^`{}();=<>]*:\s*")


def cut_special(text: str) -> tuple[str, bool]:
    """``text`` up to its first special token (leading ones skipped) and without a
    half-written one at the end; the flag says a token ended it."""
    while (found := SPECIAL.match(text)) is not None:
        text = text[found.end() :]
    found = SPECIAL.search(text)
    if found is not None:
        return text[: found.start()], True
    start = text.rfind("<", max(0, len(text) - _LONGEST_PARTIAL))
    if start >= 0 and text[start:] in _PARTIAL:
        text = text[:start]
    return text, False


def strip_fences(text: str) -> tuple[str, bool]:
    """The code inside a model's fence (after a line of chat, if any), or the text before a
    closing fence; the flag says a closing fence was reached."""
    lines = text.split("\n")
    start = 0
    opening = next((i for i, line in enumerate(lines) if line.lstrip().startswith(_FENCE)), None)
    if opening is not None and all(
        not line.strip() or _INTRO.fullmatch(line.strip()) for line in lines[:opening]
    ):
        start = opening + 1
    for i in range(start, len(lines)):
        if lines[i].lstrip().startswith(_FENCE):
            return "\n".join(lines[start:i]), True
    return "\n".join(lines[start:]), False
