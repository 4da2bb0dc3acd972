"""A bounded cache of finished completions, so a repeated request costs no generation."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from cachetools import TTLCache

from ollama_lsp.providers._types import CompletionPrompt, CompletionResult

__all__ = ["AiResponseCache"]

# Rough per-entry bookkeeping (key, dataclass, dict slot) added to the text size.
_ENTRY_OVERHEAD = 200


def _size_of(result: CompletionResult) -> int:
    return len(result.text.encode("utf-8")) + len(result.model) + _ENTRY_OVERHEAD


class AiResponseCache:
    """LRU cache with a time-to-live, bounded both by entry count and by total bytes.

    Keys are digests of (endpoint, model, prompt, options), so two servers or two option sets
    never share an entry. Expired and least recently used entries are evicted first; a result
    larger than ``max_bytes`` is not stored.
    """

    def __init__(
        self,
        *,
        max_entries: int = 512,
        max_bytes: int = 4 * 1024 * 1024,
        ttl: float = 300.0,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: TTLCache[str, CompletionResult] = TTLCache(
            maxsize=max_bytes, ttl=ttl, timer=timer, getsizeof=_size_of
        )

    @staticmethod
    def key(
        endpoint: str, model: str, prompt: CompletionPrompt, options: Mapping[str, Any] | None
    ) -> str:
        """The cache key of one request.

        The prompt and suffix are hashed as they are, after the rest as JSON: escaping a
        4,000-token prompt into JSON would cost several times the hashing, on every request.
        """
        settings = json.dumps(
            [
                endpoint,
                model,
                prompt.suffix is None,
                prompt.raw,
                list(prompt.stop),
                dict(options or {}),
            ],
            sort_keys=True,
            default=str,
        )
        digest = hashlib.sha256(settings.encode("utf-8"))
        for text in (prompt.prompt, prompt.suffix or ""):
            data = text.encode("utf-8", "surrogatepass")
            digest.update(b"\0%d\0" % len(data))  # JSON has no raw NUL: the parts cannot blur
            digest.update(data)
        return digest.hexdigest()

    def get(self, key: str) -> CompletionResult | None:
        """The cached result, marked as most recently used, or ``None``."""
        return self._entries.get(key)

    def put(self, key: str, result: CompletionResult) -> None:
        """Store ``result``, evicting the least recently used entries to stay in bounds."""
        if _size_of(result) > self.max_bytes:
            return
        self._entries.pop(key, None)
        self._entries.expire()
        while len(self._entries) >= self.max_entries:
            self._entries.popitem()
        self._entries[key] = result

    def clear(self) -> None:
        """Drop every entry (e.g. after the model or endpoint settings changed)."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        """The current total size of the entries, in bytes (approximate)."""
        return int(self._entries.currsize)
