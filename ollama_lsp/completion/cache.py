"""Typed-through cache: the rest of a shown suggestion, served without calling the model.

When the user types the first characters of a suggestion, the document is exactly the text the
suggestion was made for with those characters inserted at the cursor. An :class:`Anchor` records
the text before and after the cursor as (length, hash) pairs rather than copies, so an entry
costs a few dozen bytes plus the suggestion, whatever the size of the document.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

__all__ = ["Anchor", "SuggestionCache"]


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where a suggestion was made: the document split at the cursor, fingerprinted."""

    before_len: int
    before_hash: int
    after_len: int
    after_hash: int

    @classmethod
    def at(cls, text: str, offset: int) -> Anchor:
        return cls(offset, hash(text[:offset]), len(text) - offset, hash(text[offset:]))

    def typed(self, text: str, offset: int) -> str | None:
        """What was typed since the anchor, if ``text``/``offset`` is the anchor plus typing."""
        if offset < self.before_len or len(text) - offset != self.after_len:
            return None
        if hash(text[offset:]) != self.after_hash:
            return None
        if hash(text[: self.before_len]) != self.before_hash:
            return None
        return text[self.before_len : offset]

    def inserted(self, text: str) -> str | None:
        """Like :meth:`typed` for a document change, where the cursor is not known."""
        return self.typed(text, len(text) - self.after_len)


class SuggestionCache:
    """A bounded LRU of suggestions per document, looked up by typed-through prefix."""

    def __init__(self, max_entries: int = 256, per_document: int = 8) -> None:
        self.max_entries = max_entries
        self.per_document = per_document
        self._entries: OrderedDict[tuple[str, Anchor], str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, uri: str, anchor: Anchor, suggestion: str) -> None:
        """Remember ``suggestion`` (``""``: the model had nothing to add right there)."""
        key = (uri, anchor)
        self._entries[key] = suggestion
        self._entries.move_to_end(key)
        same_doc = [k for k in self._entries if k[0] == uri]
        for old in same_doc[: max(0, len(same_doc) - self.per_document)]:
            del self._entries[old]
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def get(self, uri: str, text: str, offset: int) -> str | None:
        """The remainder of a cached suggestion the user is typing through, ``""`` where the
        model had nothing to add at this very state, else ``None``."""
        for key in reversed(self._entries):
            if key[0] != uri:
                continue
            suggestion = self._entries[key]
            typed = key[1].typed(text, offset)
            if typed is None or (suggestion and len(typed) >= len(suggestion)):
                continue
            if not suggestion:
                if typed:
                    continue
                self._entries.move_to_end(key)
                return ""
            if suggestion.startswith(typed):
                self._entries.move_to_end(key)
                return suggestion[len(typed) :]
        return None

    def forget(self, uri: str) -> None:
        for key in [k for k in self._entries if k[0] == uri]:
            del self._entries[key]

    def resize(self, max_entries: int) -> None:
        self.max_entries = max_entries
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
