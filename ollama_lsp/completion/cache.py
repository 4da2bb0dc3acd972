"""Typed-through cache: the rest of a shown suggestion, served without calling the model.

When the user types the first characters of a suggestion, the document is exactly the text the
suggestion was made for with those characters inserted at the cursor. An :class:`Anchor` records
the text before and after the cursor as (length, hash) pairs rather than copies, so an entry
costs a few dozen bytes plus the suggestion, whatever the size of the document.

An anchor may hold several choices (:class:`Choice`: the suggestions of an invoked request);
each keeps its id while it is typed through, so the editor reports it under one name.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

__all__ = ["Anchor", "Choice", "SuggestionCache"]


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


@dataclass(frozen=True, slots=True)
class Choice:
    """One suggestion (or the rest of it, once typed through) and the id it is reported by."""

    id: str
    text: str


class SuggestionCache:
    """A bounded LRU of suggestions per document, looked up by typed-through prefix."""

    def __init__(self, max_entries: int = 256, per_document: int = 8) -> None:
        self.max_entries = max_entries
        self.per_document = per_document
        self._entries: OrderedDict[tuple[str, Anchor], tuple[Choice, ...]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, uri: str, anchor: Anchor, choice: Choice) -> None:
        """Remember ``choice`` as the suggestion at ``anchor``, replacing any there (no text:
        the model had nothing to add right there)."""
        key = (uri, anchor)
        self._entries[key] = (choice,)
        self._entries.move_to_end(key)
        same_doc = [k for k in self._entries if k[0] == uri]
        for old in same_doc[: max(0, len(same_doc) - self.per_document)]:
            del self._entries[old]
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def add(self, uri: str, anchor: Anchor, choice: Choice) -> None:
        """Add another choice at ``anchor``, after those there (none: it becomes the first)."""
        known = self._entries.get((uri, anchor))
        if known is None:
            self.put(uri, anchor, choice)
        elif choice.text:
            self._entries[(uri, anchor)] = (*known, choice)

    def get(self, uri: str, text: str, offset: int) -> Choice | None:
        """The rest of the first cached suggestion the user is typing through; a choice with
        no text where the model had nothing to add at this very state; else ``None``."""
        found = self.choices(uri, text, offset)
        if found:
            return found[0]
        for key in reversed(self._entries):
            if (
                key[0] == uri
                and not self._entries[key][0].text
                and key[1].typed(text, offset) == ""
            ):
                self._entries.move_to_end(key)
                return self._entries[key][0]
        return None

    def choices(self, uri: str, text: str, offset: int) -> tuple[Choice, ...]:
        """The rests of the suggestions the user may be typing through, in order, from the
        newest anchor that has any."""
        for key in reversed(self._entries):
            if key[0] != uri:
                continue
            typed = key[1].typed(text, offset)
            if typed is None:
                continue
            rests = tuple(
                Choice(c.id, c.text[len(typed) :])
                for c in self._entries[key]
                if len(typed) < len(c.text) and c.text.startswith(typed)
            )
            if rests:
                self._entries.move_to_end(key)
                return rests
        return ()

    def forget(self, uri: str) -> None:
        for key in [k for k in self._entries if k[0] == uri]:
            del self._entries[key]

    def resize(self, max_entries: int) -> None:
        self.max_entries = max_entries
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
