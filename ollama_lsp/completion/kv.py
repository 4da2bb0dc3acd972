"""What the model's KV cache probably holds: the last prompt each model evaluated.

Ollama keeps the prompt it evaluated last in the model's slot and, for the next request,
evaluates only what follows the longest prefix the two share. Remembering that prompt here
tells the pipeline what a new prompt will cost before sending it. A prompt is remembered as
the template lays it out: the prompt, then the suffix (every family's FIM template puts the
text before the cursor first).
"""

from __future__ import annotations

from collections.abc import Hashable

from cachetools import LRUCache

from ollama_lsp.providers import CompletionPrompt

__all__ = ["PromptMemory", "common_prefix", "laid_out"]

#: Models whose last prompt is remembered (a model switched away from is soon forgotten).
_MODELS = 8


def laid_out(prompt: CompletionPrompt) -> str:
    """``prompt`` as the model reads it, up to the template's own markers."""
    return prompt.prompt if prompt.suffix is None else f"{prompt.prompt}\0{prompt.suffix}"


def common_prefix(a: str, b: str) -> int:
    """Length of the longest common prefix of ``a`` and ``b`` (string compares in C)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


class PromptMemory:
    """The last prompt text each model (a key: provider and model) evaluated."""

    def __init__(self) -> None:
        self._last: LRUCache[Hashable, str] = LRUCache(_MODELS)

    def cached(self, key: Hashable, text: str) -> int:
        """Characters at the start of ``text`` the model's cache probably holds."""
        last = self._last.get(key)
        return common_prefix(last, text) if last else 0

    def remember(self, key: Hashable, text: str) -> None:
        """``text`` (or its evaluated beginning) is now what the model's cache holds."""
        self._last[key] = text

    def forget(self, key: Hashable) -> None:
        self._last.pop(key, None)
