"""From a cursor position to the edit the user will make next, with as few generations as
possible.

The discipline is inline completion's: automatic requests wait for a typing pause (the same
adaptive debounce), one generation per document at a time (a newer request or an edit of the
document stops the older one, and stopping closes the stream so Ollama stops too), and
answers are cached by prompt, so asking again with nothing changed costs no generation.

One request: the editable region around the cursor -> the user's recent edits (never from a
private document, secrets redacted) -> the family's edit prompt -> the model's rewrite of the
region -> the smallest edits -> the rules of ``_rules``. A dismissed prediction is not offered
again for a while.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from cachetools import LRUCache, TTLCache

from ollama_lsp.completion.debounce import AdaptiveDebounce
from ollama_lsp.completion.pipeline import Failed, Skipped
from ollama_lsp.context import (
    ContextBuilder,
    Document,
    LineEdit,
    is_excluded,
    redact_secrets,
    relative_path,
)
from ollama_lsp.errors import AiError
from ollama_lsp.families import EditContext, EditEvent, EditPrompt, build_edit_prompt
from ollama_lsp.nextedit._diff import Edit, smallest_edits
from ollama_lsp.nextedit._history import EditHistory
from ollama_lsp.nextedit._parse import Rewrite, answer_complete, parse_rewrite
from ollama_lsp.nextedit._region import Region, region_at
from ollama_lsp.nextedit._rules import keep_edits
from ollama_lsp.providers import AiProvider, ChatMessage, CompletionPrompt, ModelOptions

__all__ = [
    "CannotPredictEdits",
    "NextEditEngine",
    "NextEditObserver",
    "NextEditOptions",
    "NextEditOutcome",
    "NextEditRequest",
    "NextEditStats",
    "Point",
    "PredictedEdit",
    "Prediction",
]

log = logging.getLogger(__name__)

#: Characters of edit history a prompt holds at most (the most recent events are kept).
_HISTORY_CHARS = 3000


class CannotPredictEdits(AiError):
    """The configured model is neither an edit model nor a chat model."""

    def __init__(self, model: str) -> None:
        super().__init__(
            f"{model} cannot predict edits: it is not an edit model (Zeta, Instinct) and "
            "cannot chat. Set nextEdit.model to one of those or to a chat/instruct model."
        )


@dataclass(frozen=True, slots=True)
class NextEditOptions:
    """What the engine reads from the settings (``model`` empty: next edit is off)."""

    model: str = ""
    num_ctx: int = 4096
    max_tokens: int = 384
    temperature: float = 0.0
    exclude: tuple[str, ...] = ()
    languages: tuple[str, ...] = ("*",)
    disabled_languages: tuple[str, ...] = ()
    debounce_min_ms: int = 25
    debounce_max_ms: int = 250


@dataclass(frozen=True, slots=True)
class NextEditRequest:
    """The document as it is now, the cursor (line, column in code points), the others."""

    document: Document
    line: int
    column: int
    open_documents: Sequence[Document] = ()
    invoked: bool = False


@dataclass(frozen=True, slots=True)
class Point:
    """A place in a document: a line and the text of that line before it (so that the server
    can count the column in the client's encoding)."""

    line: int
    prefix: str


@dataclass(frozen=True, slots=True)
class PredictedEdit:
    """Replace the text between ``start`` and ``end`` with ``text``."""

    start: Point
    end: Point
    text: str


@dataclass(frozen=True, slots=True)
class Prediction:
    """Edits for the document as it was asked about; ``cursor`` (in the document once they
    are applied) where the model put the cursor, if it said."""

    id: str
    edits: tuple[PredictedEdit, ...]
    cursor: Point | None
    source: str  # "model" or "cache"


NextEditOutcome = Prediction | Skipped | Failed


class NextEditObserver:
    """What the engine tells the outside world; override the events of interest."""

    def requested(self) -> None:
        """A next edit was asked for (the next-edit model is in use)."""

    def succeeded(self) -> None:
        """The backend answered."""

    def failed(self, error: AiError, model: str) -> None:
        """The backend failed, or the model cannot predict edits."""


@dataclass(slots=True)
class NextEditStats:
    """Counters for ``ollama.status`` and benchmarks."""

    requests: int = 0
    generations: int = 0
    cache_hits: int = 0
    predictions: int = 0
    accepted: int = 0
    dismissed: int = 0
    superseded: int = 0
    cancelled: int = 0


@dataclass(frozen=True, slots=True)
class _Shown:
    uri: str
    signature: tuple[tuple[str, str], ...]


@dataclass(slots=True)
class _Prepared:
    """A request made ready for the model: its region and what the prompt shows."""

    region: Region
    context: EditContext
    last_edit: tuple[int, int, Sequence[str]] | None
    crlf: bool = False


class NextEditEngine:
    """Edit history, debounce, cancellation and caches around a provider."""

    def __init__(
        self,
        provider: AiProvider | None,
        options: NextEditOptions | None = None,
        *,
        observers: Sequence[NextEditObserver] = (),
        workspace_root: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.provider = provider
        self.options = options or NextEditOptions()
        self.observers = tuple(observers)
        self.workspace_root = workspace_root
        self.history = EditHistory(clock=clock)
        self.debounce = AdaptiveDebounce(
            self.options.debounce_min_ms, self.options.debounce_max_ms, clock=clock
        )
        self.stats = NextEditStats()
        self._privacy = ContextBuilder(exclude_globs=self.options.exclude)
        self._answers: LRUCache[tuple[str, str, str], Rewrite | None] = LRUCache(64)
        self._shown: LRUCache[str, _Shown] = LRUCache(64)
        self._dismissed: TTLCache[tuple[str, tuple[tuple[str, str], ...]], bool] = TTLCache(
            256, ttl=300.0, timer=clock
        )
        self._generations: dict[str, asyncio.Task[NextEditOutcome]] = {}
        self._tickets: dict[str, int] = {}
        self._ids = itertools.count(1)

    def add_observer(self, observer: NextEditObserver) -> None:
        self.observers = (*self.observers, observer)

    def configure(
        self,
        options: NextEditOptions,
        provider: AiProvider | None,
        workspace_root: str | None = None,
    ) -> None:
        """Adopt new settings or a new provider; running generations are stopped."""
        if provider is not self.provider or options.model != self.options.model:
            self.cancel_all()
            self._answers.clear()
        if options.exclude != self.options.exclude:
            self._privacy = ContextBuilder(exclude_globs=options.exclude)
        self.provider, self.options, self.workspace_root = provider, options, workspace_root
        self.debounce.configure(options.debounce_min_ms, options.debounce_max_ms)

    # -- document events -------------------------------------------------------------------

    def document_opened(self, document: Document) -> None:
        if not is_excluded(document.uri, self.options.exclude):
            self.history.opened(document.uri, document.text)

    def document_changed(self, uri: str, text: str, changes: Sequence[LineEdit]) -> None:
        """A keystroke: remember it, and stop the generation for the text before it."""
        self.debounce.note_edit()
        if not is_excluded(uri, self.options.exclude):
            self.history.changed(uri, text, changes)
        self._cancel(uri)

    def document_closed(self, uri: str) -> None:
        self.history.forget(uri)
        self._cancel(uri)
        self._tickets.pop(uri, None)

    def cancel_all(self) -> None:
        for uri in list(self._generations):
            self._cancel(uri)

    def _cancel(self, uri: str) -> None:
        task = self._generations.pop(uri, None)
        if task is not None and not task.done():
            task.cancel()
            self.stats.cancelled += 1

    # -- feedback --------------------------------------------------------------------------

    def resolved(self, prediction_id: str, accepted: bool) -> bool:
        """The editor accepted or dismissed a prediction; False for an unknown id."""
        shown = self._shown.pop(prediction_id, None)
        if shown is None:
            return False
        if accepted:
            self.stats.accepted += 1
        else:
            self.stats.dismissed += 1
            self._dismissed[(shown.uri, shown.signature)] = True
        return True

    # -- requests --------------------------------------------------------------------------

    def _off_for(self, document: Document) -> bool:
        """No model, or the document's language has no suggestions (completion's settings)."""
        o, language = self.options, document.language_id
        return (
            not o.model
            or language in o.disabled_languages
            or ("*" not in o.languages and language not in o.languages)
        )

    async def predict(self, request: NextEditRequest) -> NextEditOutcome:
        """The next edit near the cursor of ``request``, or why there is none."""
        self.stats.requests += 1
        document = request.document
        if self.provider is None:
            return Skipped("not connected")
        if self._off_for(document):
            return Skipped("disabled")
        for observer in self.observers:
            observer.requested()
        if self._privacy.is_private(document):
            self.history.forget(document.uri)
            return Skipped("excluded")
        prepared = self._prepare(request)
        if prepared is None:
            return Skipped("empty")

        uri = document.uri
        ticket = self._tickets.get(uri, 0) + 1
        self._tickets[uri] = ticket
        if not request.invoked and not await self._debounced(uri, ticket):
            self.stats.superseded += 1
            return Skipped("superseded")
        self._cancel(uri)
        task = asyncio.get_running_loop().create_task(
            self._generate(document, prepared), name=f"next edit {uri}"
        )
        self._generations[uri] = task
        task.add_done_callback(lambda t: self._forget(uri, t))
        try:
            return await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the request itself was cancelled (and took the generation with it)
            return Skipped("stopped")

    def _forget(self, uri: str, task: asyncio.Task[NextEditOutcome]) -> None:
        if self._generations.get(uri) is task:
            del self._generations[uri]

    async def _debounced(self, uri: str, ticket: int) -> bool:
        while self._tickets.get(uri) == ticket:
            remaining = self.debounce.remaining()
            if remaining <= 0:
                return True
            await asyncio.sleep(remaining)
        return False

    def _prepare(self, request: NextEditRequest) -> _Prepared | None:
        document = request.document
        region = region_at(document.text, request.line, request.column)
        if region is None:
            return None
        crlf = region.text.endswith("\r") or "\r\n" in region.text
        text, cursor = region.text, region.cursor
        if crlf:
            cursor -= text.count("\r", 0, cursor)
            text = text.replace("\r\n", "\n").removesuffix("\r")
        redacted = redact_secrets(text)
        if redacted != text:
            cursor = _cursor_after_redaction(text, redacted, cursor)
        context = EditContext(
            path=relative_path(document.uri, self.workspace_root),
            language_id=document.language_id,
            before=redact_secrets(region.before.replace("\r\n", "\n")),
            region=redacted,
            cursor=cursor,
            after=redact_secrets(region.after.replace("\r\n", "\n")),
            starts_file=region.starts_file,
            events=self._events(request),
        )
        last = self.history.last_edit(document.uri)
        last_edit = None
        if last is not None and region.start_line <= last.start and last.end <= region.end_line:
            last_edit = (last.start - region.start_line, last.end - region.start_line, last.old)
        return _Prepared(region, context, last_edit, crlf)

    def _events(self, request: NextEditRequest) -> tuple[EditEvent, ...]:
        """The recent edits worth showing: open, non-private documents, newest kept first."""
        documents = {d.uri: d for d in request.open_documents}
        documents[request.document.uri] = request.document
        chosen: list[EditEvent] = []
        budget = _HISTORY_CHARS
        for event in reversed(self.history.events()):
            document = documents.get(event.uri)
            if document is None or self._privacy.is_private(document):
                continue
            diff = redact_secrets(event.diff)
            if len(diff) > budget:
                break
            budget -= len(diff)
            chosen.append(EditEvent(relative_path(event.uri, self.workspace_root), diff))
        return tuple(reversed(chosen))

    # -- one generation --------------------------------------------------------------------

    async def _generate(self, document: Document, prepared: _Prepared) -> NextEditOutcome:
        assert self.provider is not None
        provider, model = self.provider, self.options.model
        try:
            capabilities = await provider.capabilities(model)
            prompt = build_edit_prompt(model, prepared.context, capabilities.chat)
            if prompt is None:
                raise CannotPredictEdits(model)
            key = (model, prompt.format.system or "", prompt.prompt)
            if key in self._answers:
                self.stats.cache_hits += 1
                rewrite, source = self._answers[key], "cache"
            else:
                self.stats.generations += 1
                answer, finished = await self._ask(provider, prompt)
                rewrite, source = parse_rewrite(answer, finished=finished), "model"
                self._answers[key] = rewrite
                if rewrite is None:
                    log.debug("no rewrite in the answer: %r", answer[:200])
            for observer in self.observers:
                observer.succeeded()
        except AiError as exc:
            log.info("next edit failed: %s", exc.message)
            for observer in self.observers:
                observer.failed(exc, model)
            return Failed(exc)
        if rewrite is None:
            return Skipped("empty")
        return self._prediction(document, prepared, rewrite, source)

    async def _ask(self, provider: AiProvider, prompt: EditPrompt) -> tuple[str, bool]:
        """The model's answer, and whether it ended on its own (not cut by the budget)."""
        o, chat = self.options, prompt.format.chat
        options = ModelOptions(  # a raw prompt carries its stop sequences itself
            num_ctx=o.num_ctx,
            max_tokens=o.max_tokens,
            temperature=o.temperature,
            stop=prompt.stop if chat else (),
        )
        # A region answer ends at a stop sequence (Ollama ends the stream, the connection is
        # kept); a fenced one is cut here once its fence closes (the stream is closed).
        fenced = prompt.format.reply == "fence"
        if not chat:
            result = await provider.complete_code(
                CompletionPrompt(prompt.prompt, raw=True, stop=prompt.stop),
                model=o.model,
                options=options,
                should_stop=answer_complete if fenced else None,
            )
            spent = result.stats.generated_tokens if result.stats is not None else None
            return result.text, result.stopped_early or (spent or 0) < o.max_tokens
        messages = [ChatMessage("user", prompt.prompt)]
        if prompt.format.system:
            messages.insert(0, ChatMessage("system", prompt.format.system))
        stream = provider.stream_chat(messages, model=o.model, options=options)
        parts: list[str] = []
        finished = False
        try:
            async for chunk in stream:
                parts.append(chunk.text)
                if chunk.done:
                    spent = chunk.stats.generated_tokens if chunk.stats is not None else None
                    finished = (spent or 0) < o.max_tokens
                elif fenced and answer_complete("".join(parts)):
                    finished = True
                    break
        finally:
            await _close(stream)
        return "".join(parts), finished

    def _prediction(
        self, document: Document, prepared: _Prepared, rewrite: Rewrite, source: str
    ) -> NextEditOutcome:
        region = prepared.region
        new = rewrite.text
        if prepared.crlf:  # the model saw "\n" line breaks; the document has "\r\n"
            new = new.replace("\r\n", "\n").replace("\n", "\r\n")
            new += "\r" if region.text.endswith("\r") else ""
        edits = keep_edits(
            region.text, smallest_edits(region.text, new), last_edit=prepared.last_edit
        )
        if not edits:
            return Skipped("empty")
        signature = tuple((region.text[e.start : e.end], e.text) for e in edits)
        if (document.uri, signature) in self._dismissed:
            return Skipped("empty")
        prediction = Prediction(
            id=f"ne-{next(self._ids)}",
            edits=tuple(_located(region, e) for e in edits),
            cursor=_cursor(region, rewrite),
            source=source,
        )
        self._shown[prediction.id] = _Shown(document.uri, signature)
        self.stats.predictions += 1
        return prediction

    async def aclose(self) -> None:
        tasks = list(self._generations.values())
        self.cancel_all()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)


async def _close(stream: AsyncIterator[object]) -> None:
    """Close an async generator (and with it the HTTP stream), whatever its type says."""
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()


def _cursor_after_redaction(text: str, redacted: str, cursor: int) -> int:
    """The cursor's place in the redacted text: the same column, clamped to its line."""
    line = text.count("\n", 0, cursor)
    column = cursor - (text.rfind("\n", 0, cursor) + 1)
    lines = redacted.split("\n")
    return sum(len(x) + 1 for x in lines[:line]) + min(column, len(lines[line]))


def _point(region: Region, text: str, offset: int) -> Point:
    """The document point of ``offset`` into ``text`` (the region, or its rewrite)."""
    line_start = text.rfind("\n", 0, offset) + 1
    return Point(region.start_line + text.count("\n", 0, offset), text[line_start:offset])


def _located(region: Region, edit: Edit) -> PredictedEdit:
    return PredictedEdit(
        _point(region, region.text, edit.start), _point(region, region.text, edit.end), edit.text
    )


def _cursor(region: Region, rewrite: Rewrite) -> Point | None:
    """Where the model put the cursor, in the document once the edits are applied."""
    if rewrite.cursor is None:
        return None
    return _point(region, rewrite.text, rewrite.cursor)
