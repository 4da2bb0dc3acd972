"""Value types the context builder reads and produces."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CodeContext", "Document", "EditedRange", "LineEdit", "Snippet"]


@dataclass(frozen=True, slots=True)
class Document:
    """An open document as the server last saw it (``version`` from LSP didOpen/didChange)."""

    uri: str
    text: str
    language_id: str
    version: int


@dataclass(frozen=True, slots=True)
class Snippet:
    """Text from elsewhere in the workspace; ``path`` workspace-relative, ``score`` in [0, 1]."""

    path: str
    text: str
    score: float


@dataclass(frozen=True, slots=True)
class LineEdit:
    """One change to a document, by lines: lines ``start..end`` (inclusive, 0-based, as they
    were before the change) became text holding ``newlines`` line breaks. ``whole`` marks a
    change that replaced the whole text."""

    start: int = 0
    end: int = 0
    newlines: int = 0
    whole: bool = False


@dataclass(frozen=True, slots=True)
class EditedRange:
    """Lines ``start_line..end_line`` (inclusive, 0-based) of ``uri`` that were edited recently."""

    uri: str
    start_line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class CodeContext:
    """Everything a prompt is made of, already cut to the token budget.

    ``prefix`` ends at the cursor and ``suffix`` starts there; both hold the whole current line.
    ``snippets`` and ``recent_edits`` are in a stable order (by path, then position) so that
    consecutive prompts share a long prefix.
    """

    prefix: str
    suffix: str
    language_id: str
    path: str
    snippets: tuple[Snippet, ...] = ()
    recent_edits: tuple[Snippet, ...] = ()

    @property
    def line_prefix(self) -> str:
        """The current line up to the cursor."""
        return self.prefix[self.prefix.rfind("\n") + 1 :]

    @property
    def line_suffix(self) -> str:
        """The current line from the cursor on."""
        end = self.suffix.find("\n")
        return self.suffix if end < 0 else self.suffix[:end]
