"""Build the :class:`CodeContext` of one completion request from the open documents."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from cachetools import LRUCache

from ollama_lsp.context._edits import edit_snippets
from ollama_lsp.context._exclusion import is_excluded, relative_path
from ollama_lsp.context._secrets import is_credential_file, redact_secrets
from ollama_lsp.context._similarity import RankedWindow, SimilarityIndex, identifiers
from ollama_lsp.context._types import CodeContext, Document, EditedRange, Snippet
from ollama_lsp.context._window import CHARS_PER_TOKEN, cut_window

__all__ = ["ContextBuilder"]


class ContextBuilder:
    """Cuts prefix, suffix and snippets to ``max_tokens`` (estimated, see ``_window``).

    ``snippet_ratio`` of the budget is offered to snippets (recently edited ranges first, then
    similar windows of other open documents); what they leave goes to the file itself, split
    ``prefix_ratio`` : ``1 - prefix_ratio`` between prefix and suffix. Documents matching the
    secrets deny-list or ``exclude_globs``, and credential files found by their content or
    language (``_secrets``), are never read; secret values in the rest are redacted.
    """

    def __init__(
        self,
        max_tokens: int = 2048,
        prefix_ratio: float = 0.75,
        exclude_globs: Sequence[str] = (),
        workspace_root: str | None = None,
        *,
        snippet_ratio: float = 0.25,
        max_snippets: int = 4,
        max_recent_edits: int = 3,
        min_similarity: float = 0.1,
        query_lines: int = 16,
        query_block: int = 8,
        anchor_lines: int = 16,
        similarity: SimilarityIndex | None = None,
    ) -> None:
        self.max_tokens = max(1, max_tokens)
        self.prefix_ratio = min(1.0, max(0.0, prefix_ratio))
        self.exclude_globs = tuple(exclude_globs)
        self.workspace_root = workspace_root
        self.snippet_ratio = min(1.0, max(0.0, snippet_ratio))
        self.max_snippets = max_snippets
        self.max_recent_edits = max_recent_edits
        self.min_similarity = min_similarity
        self.query_lines = query_lines
        self.query_block = max(1, query_block)
        self.anchor_lines = anchor_lines
        self.similarity = similarity or SimilarityIndex()
        # Per document, the windows chosen last time: kept while they stay nearly as good, so
        # that moving the cursor does not reshuffle the beginning of the prompt.
        self._last_choice: LRUCache[str, tuple[RankedWindow, ...]] = LRUCache(64)
        # Whether a document version is a credential file (its whole text is scanned once).
        self._credential: LRUCache[tuple[str, int, int], bool] = LRUCache(256)

    def is_private(self, document: Document) -> bool:
        """Never read: excluded by name (deny-list, user globs), or a credential file by its
        language or content."""
        if is_excluded(document.uri, self.exclude_globs):
            return True
        key = (document.uri, document.version, len(document.text))
        verdict = self._credential.get(key)
        if verdict is None:
            verdict = is_credential_file(document.text, document.language_id)
            self._credential[key] = verdict
        return verdict

    def build(
        self,
        document: Document,
        offset: int,
        open_documents: Iterable[Document] = (),
        recent_edits: Sequence[EditedRange] = (),
        *,
        max_tokens: int | None = None,
        suffix_tokens: int | None = None,
        start_line: int | None = None,
    ) -> CodeContext | None:
        """The context at ``offset`` (a Python string index into ``document.text``).

        None when the document is excluded. ``open_documents`` may include ``document``
        itself; ``recent_edits`` usually comes from :meth:`EditTracker.recent`.
        ``max_tokens`` replaces the builder's budget for this call. ``suffix_tokens`` caps the
        text after the cursor (the prefix gets the rest): it follows the cursor in every prompt,
        so the model evaluates it again at each keystroke. ``start_line`` keeps the prefix
        starting where an earlier window started, while it fits (the model's KV cache holds
        that beginning).
        """
        if self.is_private(document):
            return None
        text = document.text
        offset = min(max(0, offset), len(text))
        path = relative_path(document.uri, self.workspace_root)
        tokens = self.max_tokens if max_tokens is None else max(1, max_tokens)
        budget = int(tokens * CHARS_PER_TOKEN) - len(path) - 16

        # Lines any snippet would only repeat: the largest window the file could get.
        widest = cut_window(text, offset, *self._split(budget), anchor_lines=1)
        others = [d for d in open_documents if d.uri != document.uri and not self.is_private(d)]
        snippet_budget = int(budget * self.snippet_ratio)
        edited = self._edited_elsewhere(document, recent_edits, widest)
        edits = self._recent_edits(document, others, edited, snippet_budget)
        snippet_budget -= sum(map(_cost, edits))
        window_text = text[widest[0] : widest[1]]
        snippets = self._similar(document, offset, others, edited, window_text, snippet_budget)

        used = sum(map(_cost, (*edits, *snippets)))
        prefix_chars, suffix_chars = self._split(budget - used)
        if suffix_tokens is not None:
            capped = min(suffix_chars, int(suffix_tokens * CHARS_PER_TOKEN))
            prefix_chars, suffix_chars = prefix_chars + suffix_chars - capped, capped
        start, end = cut_window(
            text,
            offset,
            prefix_chars,
            suffix_chars,
            anchor_lines=self.anchor_lines,
            start_line=start_line,
        )
        return CodeContext(
            prefix=redact_secrets(text[start:offset]),
            suffix=redact_secrets(text[offset:end]),
            language_id=document.language_id,
            path=path,
            snippets=_redacted(snippets),
            recent_edits=_redacted(edits),
        )

    def _split(self, chars: int) -> tuple[int, int]:
        chars = max(0, chars)
        prefix = int(chars * self.prefix_ratio)
        return prefix, chars - prefix

    def _edited_elsewhere(
        self, document: Document, ranges: Sequence[EditedRange], widest: tuple[int, int]
    ) -> list[EditedRange]:
        """The most recent edited ranges that the file's own window would not show anyway."""
        text = document.text
        first_line = text.count("\n", 0, widest[0])
        last_line = first_line + text.count("\n", widest[0], widest[1])
        return [
            r
            for r in ranges
            if r.uri != document.uri or r.end_line < first_line or r.start_line > last_line
        ][: self.max_recent_edits]

    def _recent_edits(
        self, document: Document, others: list[Document], edited: list[EditedRange], budget: int
    ) -> tuple[Snippet, ...]:
        documents = {d.uri: d for d in (*others, document)}
        chosen: list[Snippet] = []
        for snippet in edit_snippets(edited, documents, self.workspace_root, self.exclude_globs):
            if _cost(snippet) <= budget:
                chosen.append(snippet)
                budget -= _cost(snippet)
        return tuple(sorted(chosen, key=lambda s: (s.path, s.text)))

    def _similar(
        self,
        document: Document,
        offset: int,
        others: list[Document],
        edited: list[EditedRange],
        window_text: str,
        budget: int,
    ) -> tuple[Snippet, ...]:
        if not others or budget <= 0 or self.max_snippets <= 0:
            return ()
        ranked = self.similarity.rank(
            self._query(document.text, offset), others, min_score=self.min_similarity
        )
        if not ranked:
            return ()
        still_good = {
            (w.uri, w.start_line, w.text): w for w in ranked if w.score >= ranked[0].score / 2
        }
        previous = [
            still_good[key]
            for w in self._last_choice.get(document.uri, ())
            if (key := (w.uri, w.start_line, w.text)) in still_good
        ]
        chosen: list[RankedWindow] = []
        seen: set[str] = set()
        for window in (*previous, *ranked):
            size = _cost(window)
            body = window.text.strip()
            if (
                size > budget
                or body in seen
                or body in window_text
                or any(c.uri == window.uri and _overlaps(c, window) for c in chosen)
                or any(
                    e.uri == window.uri
                    and e.start_line < window.end_line
                    and window.start_line <= e.end_line
                    for e in edited
                )
            ):
                continue
            chosen.append(window)
            seen.add(body)
            budget -= size
            if len(chosen) == self.max_snippets:
                break
        self._last_choice[document.uri] = tuple(chosen)
        chosen.sort(key=lambda w: (relative_path(w.uri, self.workspace_root), w.start_line))
        return tuple(
            Snippet(relative_path(w.uri, self.workspace_root), w.text, w.score) for w in chosen
        )

    def _query(self, text: str, offset: int) -> frozenset[str]:
        """Identifiers of the lines around the cursor's block of ``query_block`` lines.

        The block itself is left out (``query_lines`` above it, a quarter of that below it), so
        moving or typing within the block does not change which snippets are chosen, and the
        prompt's beginning stays the same. In a file's first block, with nothing above it, the
        lines above the cursor are the query.
        """
        line = text.count("\n", 0, offset)
        block_start = line - line % self.query_block
        lines = text.split("\n", block_start + self.query_block + self.query_lines // 4)
        above = lines[max(0, block_start - self.query_lines) : block_start] or lines[:line]
        below = lines[block_start + self.query_block : block_start + self.query_block * 2][
            : self.query_lines // 4
        ]
        return identifiers("\n".join(above + below))


def _redacted(snippets: tuple[Snippet, ...]) -> tuple[Snippet, ...]:
    return tuple(replace(s, text=redact_secrets(s.text)) for s in snippets)


def _cost(snippet: Snippet | RankedWindow) -> int:
    """Characters a snippet takes in a prompt: its text, a path header, comment markers."""
    path = snippet.path if isinstance(snippet, Snippet) else snippet.uri
    return len(snippet.text) + len(path) + 3 * snippet.text.count("\n") + 16


def _overlaps(a: RankedWindow, b: RankedWindow) -> bool:
    return a.start_line < b.end_line and b.start_line < a.end_line
