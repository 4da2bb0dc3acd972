"""Reasoning models (qwen3, deepseek-r1, ...) think aloud before they answer: the thought is
not code. It is removed before anything else looks at the text."""

from __future__ import annotations

import re

__all__ = ["strip_reasoning"]

_OPEN = re.compile(r"\s*<(think|thinking|reasoning)>", re.IGNORECASE)
_CLOSE = re.compile(r"</(?:think|thinking|reasoning)>", re.IGNORECASE)


def strip_reasoning(text: str) -> str:
    """``text`` without a leading think block and the blank lines after it.

    A think block still open is all thought (``""``: nothing to show yet). A lone closing
    tag means the opening one was in the prompt's template: what precedes it is thought too.
    """
    opened = _OPEN.match(text)
    close = _CLOSE.search(text, opened.end() if opened else 0)
    if opened is not None and close is None:
        return ""
    if close is None or (opened is None and text.find("<", 0, close.start()) >= 0):
        return text  # no reasoning, or a closing tag that belongs to the code itself
    return text[close.end() :].lstrip()
