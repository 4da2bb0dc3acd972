"""From a cursor position to a suggestion, spending as few generations as possible.

Order of business for each request:

1. **Typed-through cache**: the user is typing the first characters of a suggestion already
   made; the rest comes from :class:`SuggestionCache` with no backend call.
2. **In-flight reuse**: a generation for this document is still running and what the user has
   typed since it started agrees with its output so far; wait for it instead of restarting.
3. **Debounce** (automatic triggers only): wait until the user pauses, as learned by
   :class:`AdaptiveDebounce`; a newer request for the same document wins.
4. **Generate**: context -> family prompt -> ``provider.complete_code`` with an early-stop
   predicate -> post-processing; the result is cached for typing through.

A request the user invoked by hand may offer up to :data:`MAX_CHOICES` suggestions: the first
as above, the others sampled after it (:meth:`CompletionPipeline.choices`), one at a time, from
the same prompt, so that Ollama re-evaluates none of it and each costs only its own tokens.

One generation per document at a time. A generation dies at once (its stream is closed, so
Ollama stops) when no request waits for it any more, unless the document changed in a way that
agrees with its output: then it is kept so the next request can reuse it.

Every request ends in a typed outcome: a :class:`Suggestion`, :class:`Skipped` with the reason,
or :class:`Failed` with the backend's error. Observers (the server's status, the memory
manager's idle clock) hear about requests and generations as they happen.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from ollama_lsp.completion.cache import Anchor, Choice, SuggestionCache
from ollama_lsp.completion.debounce import AdaptiveDebounce
from ollama_lsp.completion.postprocess import Shape, make_stop_predicate, postprocess, shape_for
from ollama_lsp.completion.shape import num_predict
from ollama_lsp.context import (
    ContextBuilder,
    Document,
    EditTracker,
    LineEdit,
    SimilarityIndex,
    is_excluded,
)
from ollama_lsp.errors import AiError
from ollama_lsp.families import build_prompt, family_for
from ollama_lsp.providers import AiProvider, CompletionResult, ModelOptions

__all__ = [
    "MAX_CHOICES",
    "Choice",
    "CompletionOutcome",
    "CompletionPipeline",
    "CompletionRequest",
    "Failed",
    "PipelineObserver",
    "PipelineSettings",
    "PipelineStats",
    "SkipReason",
    "Skipped",
    "Suggestion",
]

log = logging.getLogger(__name__)

#: Tokens kept free in the context window besides the generated ones (template, BOS, ...).
_PROMPT_MARGIN = 64
#: A changed document is re-indexed for snippets once the user paused this long (seconds).
_REINDEX_AFTER = 1.0
#: Most suggestions an invoked request offers, the first included.
MAX_CHOICES = 3
#: Samples drawn for the other choices at most (one may repeat another, or say nothing).
_SAMPLES = MAX_CHOICES
#: The least temperature of the other choices: below it a small model says the same again.
_CHOICE_TEMPERATURE = 0.7


class DebounceBounds(Protocol):
    @property
    def min_ms(self) -> int: ...
    @property
    def max_ms(self) -> int: ...


class PipelineSettings(Protocol):
    """The settings the pipeline reads (``server.settings.CompletionSettings`` has them)."""

    @property
    def enabled(self) -> bool: ...
    @property
    def model(self) -> str: ...
    @property
    def num_ctx(self) -> int: ...
    @property
    def max_tokens(self) -> int: ...
    @property
    def temperature(self) -> float: ...
    @property
    def multiline(self) -> str: ...
    @property
    def debounce(self) -> DebounceBounds: ...
    @property
    def languages(self) -> tuple[str, ...]: ...
    @property
    def disabled_languages(self) -> tuple[str, ...]: ...
    @property
    def exclude(self) -> tuple[str, ...]: ...
    @property
    def cache_size(self) -> int: ...
    @property
    def context_files(self) -> int: ...


@dataclass(frozen=True, slots=True)
class CompletionRequest:
    """One request: the document as it is now and the cursor as a Python string index."""

    document: Document
    offset: int
    open_documents: Sequence[Document] = ()
    invoked: bool = False


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Text to insert at the cursor, where it came from, and the id the editor reports it by
    (the same while it is typed through)."""

    text: str
    source: Literal["model", "cache", "inflight"]
    id: str = field(default="", compare=False)

    @property
    def choice(self) -> Choice:
        return Choice(self.id, self.text)


SkipReason = Literal["disabled", "not connected", "superseded", "stopped", "excluded", "empty"]
"""Why a request got no suggestion without a failure:

- ``disabled``: completion is off, or off for this language (settings);
- ``not connected``: no backend yet (settings not applied);
- ``superseded``: a newer request for the document came during the debounce;
- ``stopped``: the generation was stopped for a newer one;
- ``excluded``: the file holds secrets (by name or content) or matches ``completion.exclude``;
- ``empty``: the model had nothing useful to add at this position.
"""


@dataclass(frozen=True, slots=True)
class Skipped:
    """No suggestion, on purpose; ``reason`` says why."""

    reason: SkipReason


@dataclass(frozen=True, slots=True)
class Failed:
    """No suggestion: the backend failed; ``error.message`` is for the user."""

    error: AiError


CompletionOutcome = Suggestion | Skipped | Failed


class PipelineObserver:
    """What the pipeline tells the outside world; override the events of interest.

    The server turns generations into ``ollama/status``; the memory manager counts requests as
    the user's activity.
    """

    def completion_requested(self) -> None:
        """A completion was asked for (the user is typing)."""

    def generation_started(self, model: str) -> None:
        """A generation began."""

    def generation_finished(self, model: str, tokens_per_second: float | None) -> None:
        """A generation ended, however it ended."""

    def succeeded(self) -> None:
        """The backend answered."""

    def failed(self, error: AiError, model: str) -> None:
        """The backend failed."""


@dataclass(slots=True)
class PipelineStats:
    """Counters for benchmarks and the status command."""

    requests: int = 0
    generations: int = 0
    cache_hits: int = 0
    inflight_reuses: int = 0
    superseded: int = 0
    cancelled_generations: int = 0
    samples: int = 0


@dataclass(eq=False)
class _Generation:
    """A running generation for one document, started at ``anchor``."""

    uri: str
    anchor: Anchor
    task: asyncio.Task[CompletionOutcome] = field(init=False)
    partial: str = ""
    kept: bool = False
    waiters: int = 0

    def agrees_with(self, typed: str) -> bool:
        """Could the output still continue what the user typed since the start?"""
        if not typed:
            return True
        if not self.partial:
            return False  # nothing to compare yet: restarting costs no more than waiting
        return self.partial.startswith(typed) or typed.startswith(self.partial)


@dataclass(eq=False)
class _Sampling:
    """The other choices being sampled (or sampled) at ``anchor`` of one document."""

    anchor: Anchor
    task: asyncio.Task[None]


class CompletionPipeline:
    """Debounce, cancellation, typed-through cache and in-flight reuse around a provider."""

    def __init__(
        self,
        provider: AiProvider | None,
        settings: PipelineSettings,
        *,
        observers: Sequence[PipelineObserver] = (),
        workspace_root: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.provider = provider
        self.settings = settings
        self.observers = tuple(observers)
        self.workspace_root = workspace_root
        self.debounce = AdaptiveDebounce(
            self.settings.debounce.min_ms, self.settings.debounce.max_ms, clock=clock
        )
        self.cache = SuggestionCache(self.settings.cache_size)
        self.edits = EditTracker()
        self.similarity = SimilarityIndex()
        self.stats = PipelineStats()
        self._generations: dict[str, _Generation] = {}
        self._tickets: dict[str, int] = {}
        self._builders: dict[int, ContextBuilder] = {}
        self._reindex: dict[str, asyncio.TimerHandle] = {}
        self._sampling: dict[str, _Sampling] = {}
        self._ids = itertools.count(1)
        self._id_prefix = secrets.token_hex(3)

    def add_observer(self, observer: PipelineObserver) -> None:
        """Tell ``observer`` about requests and generations from now on."""
        self.observers = (*self.observers, observer)

    def configure(
        self,
        settings: PipelineSettings,
        provider: AiProvider | None,
        workspace_root: str | None = None,
    ) -> None:
        """Adopt new settings or a new provider; running generations are stopped."""
        if provider is not self.provider or settings.model != self.settings.model:
            self.cancel_all()
            self.cache = SuggestionCache(settings.cache_size)
        self.provider = provider
        self.settings = settings
        self.workspace_root = workspace_root
        self.debounce.configure(settings.debounce.min_ms, settings.debounce.max_ms)
        self.cache.resize(settings.cache_size)
        self._builders.clear()

    # -- document events -------------------------------------------------------------------

    def document_opened(self, document: Document) -> None:
        """Index a new document for snippets now, off the keystroke path."""
        self._index_later(document, 0.0)

    def document_changed(
        self,
        uri: str,
        text: str,
        changes: Iterable[LineEdit] = (),
        document: Document | None = None,
    ) -> None:
        """A keystroke: learn the rhythm, keep or kill the generation running for ``uri``."""
        self.debounce.note_edit()
        self.edits.record(uri, changes)
        self._stop_sampling(uri)
        if document is not None:
            self._index_later(document, _REINDEX_AFTER)
        gen = self._generations.get(uri)
        if gen is None or gen.task.done():
            return
        typed = gen.anchor.inserted(text)
        if typed is not None and gen.agrees_with(typed):
            gen.kept = True
        else:
            self._cancel(gen)

    def _index_later(self, document: Document, delay: float) -> None:
        """(Re-)index ``document`` after ``delay`` s; a newer call for the same URI wins."""
        if is_excluded(document.uri, self.settings.exclude):
            return
        self._cancel_reindex(document.uri)

        def index() -> None:
            self._reindex.pop(document.uri, None)
            self.similarity.index(document)

        self._reindex[document.uri] = asyncio.get_running_loop().call_later(delay, index)

    def _cancel_reindex(self, uri: str) -> None:
        pending = self._reindex.pop(uri, None)
        if pending is not None:
            pending.cancel()

    def document_closed(self, uri: str) -> None:
        self._cancel_reindex(uri)
        self._stop_sampling(uri)
        gen = self._generations.pop(uri, None)
        if gen is not None:
            self._cancel(gen)
        self._tickets.pop(uri, None)
        self.cache.forget(uri)
        self.edits.forget(uri)
        self.similarity.forget(uri)

    def cancel_all(self) -> None:
        for gen in list(self._generations.values()):
            self._cancel(gen)
        self._generations.clear()
        for uri in list(self._sampling):
            self._stop_sampling(uri)

    # -- requests --------------------------------------------------------------------------

    def skip_reason(self, document: Document) -> SkipReason | None:
        """Why completion is off for ``document`` (its language, or an excluded file), if it is."""
        s = self.settings
        language = document.language_id
        if not s.enabled or language in s.disabled_languages:
            return "disabled"
        if "*" not in s.languages and language not in s.languages:
            return "disabled"
        return "excluded" if is_excluded(document.uri, s.exclude) else None

    async def complete(self, request: CompletionRequest) -> CompletionOutcome:
        """A suggestion for ``request``, or why there is none."""
        self.stats.requests += 1
        for observer in self.observers:
            observer.completion_requested()
        document, offset = request.document, request.offset
        uri, text = document.uri, document.text
        if self.provider is None:
            return Skipped("not connected")
        if (reason := self.skip_reason(document)) is not None:
            return Skipped(reason)

        cached = self.cache.get(uri, text, offset)
        if cached:
            self.stats.cache_hits += 1
            return Suggestion(cached.text, "cache", cached.id)

        gen = self._generations.get(uri)
        if gen is not None and not gen.task.done():
            typed = gen.anchor.typed(text, offset)
            if typed is not None and gen.agrees_with(typed):
                await self._wait(gen)
                cached = self.cache.get(uri, text, offset)
                if cached:
                    self.stats.inflight_reuses += 1
                    return Suggestion(cached.text, "inflight", cached.id)
            else:
                self._cancel(gen)

        ticket = self._tickets.get(uri, 0) + 1
        self._tickets[uri] = ticket
        if not request.invoked and not await self._debounced(uri, ticket):
            self.stats.superseded += 1
            return Skipped("superseded")

        return await self._wait(self._start(request))

    async def _debounced(self, uri: str, ticket: int) -> bool:
        """Wait for a typing pause; False when a newer request for ``uri`` came meanwhile."""
        while self._tickets.get(uri) == ticket:
            remaining = self.debounce.remaining()
            if remaining <= 0:
                return True
            await asyncio.sleep(remaining)
        return False

    def _start(self, request: CompletionRequest) -> _Generation:
        uri = request.document.uri
        old = self._generations.get(uri)
        if old is not None:
            self._cancel(old)
        self._stop_sampling(uri)
        gen = _Generation(uri, Anchor.at(request.document.text, request.offset))
        gen.task = asyncio.get_running_loop().create_task(
            self._generate(gen, request), name=f"generate {uri}"
        )
        gen.task.add_done_callback(lambda _: self._forget(gen))
        self._generations[uri] = gen
        self.stats.generations += 1
        return gen

    async def _wait(self, gen: _Generation) -> CompletionOutcome:
        """Wait for ``gen`` as one of its requests; the last request to leave stops it."""
        gen.waiters += 1
        try:
            return await asyncio.shield(gen.task)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise
            return Skipped("stopped")  # the generation was stopped, not this request
        finally:
            gen.waiters -= 1
            if gen.waiters == 0 and not gen.kept and not gen.task.done():
                self._cancel(gen)

    def _cancel(self, gen: _Generation) -> None:
        if not gen.task.done():
            gen.task.cancel()
            self.stats.cancelled_generations += 1
        if self._generations.get(gen.uri) is gen:
            del self._generations[gen.uri]

    def _forget(self, gen: _Generation) -> None:
        if self._generations.get(gen.uri) is gen:
            del self._generations[gen.uri]

    # -- choices ---------------------------------------------------------------------------

    def start_choices(self, request: CompletionRequest, first: Suggestion) -> None:
        """Sample the other choices at the request's cursor in the background."""
        self._sampling_at(request, first)

    async def choices(self, request: CompletionRequest, first: Suggestion) -> tuple[Choice, ...]:
        """Every choice at the request's cursor, ``first`` first: waits for the others.

        They are sampled once per cursor (then served from the cache, also while typed
        through), and stopped by the next change of the document or a new generation for it.
        """
        sampling = self._sampling_at(request, first)
        if sampling is not None:
            try:
                await asyncio.shield(sampling.task)
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise
        document, offset = request.document, request.offset
        return self.cache.choices(document.uri, document.text, offset) or (first.choice,)

    def _sampling_at(self, request: CompletionRequest, first: Suggestion) -> _Sampling | None:
        """The sampling at the request's cursor: running or done there, started now, or
        ``None`` when the choices are known already (typed through)."""
        document, offset = request.document, request.offset
        uri, anchor = document.uri, Anchor.at(document.text, offset)
        sampling = self._sampling.get(uri)
        if sampling is not None and sampling.anchor == anchor:
            return sampling
        self._stop_sampling(uri)
        if len(self.cache.choices(uri, document.text, offset)) > 1:
            return None
        self.cache.put(uri, anchor, first.choice)
        task = asyncio.get_running_loop().create_task(
            self._sample(request, anchor, first.choice), name=f"sample {uri}"
        )
        sampling = self._sampling[uri] = _Sampling(anchor, task)
        return sampling

    async def _sample(self, request: CompletionRequest, anchor: Anchor, first: Choice) -> None:
        """Add up to ``MAX_CHOICES - 1`` suggestions at ``anchor``, each unlike the others."""
        uri = request.document.uri
        seen = {first.text.rstrip()}
        for seed in range(1, _SAMPLES + 1):
            if len(seen) >= MAX_CHOICES:
                return
            self.stats.samples += 1
            text = await self._run(request, seed=seed)
            if not isinstance(text, str):
                return  # failed (the observers heard) or excluded: the first stays alone
            if text and text.rstrip() not in seen:
                seen.add(text.rstrip())
                self.cache.add(uri, anchor, Choice(self._new_id(), text))

    def _stop_sampling(self, uri: str) -> None:
        sampling = self._sampling.pop(uri, None)
        if sampling is not None:
            sampling.task.cancel()

    def _new_id(self) -> str:
        return f"{self._id_prefix}-{next(self._ids)}"

    # -- one generation --------------------------------------------------------------------

    async def _generate(self, gen: _Generation, request: CompletionRequest) -> CompletionOutcome:
        """Run one generation; its suggestion is cached for typing through."""

        def note(partial: str) -> None:
            gen.partial = partial

        text = await self._run(request, on_partial=note)
        if not isinstance(text, str):
            return text
        choice = Choice(self._new_id(), text)
        self.cache.put(gen.uri, gen.anchor, choice)
        return Suggestion(text, "model", choice.id) if text else Skipped("empty")

    async def _run(
        self,
        request: CompletionRequest,
        *,
        seed: int | None = None,
        on_partial: Callable[[str], None] | None = None,
    ) -> str | Skipped | Failed:
        """The post-processed suggestion of one generation (a sample with ``seed``); a
        backend error is its outcome (and told to the observers)."""
        assert self.provider is not None
        provider, settings = self.provider, self.settings
        model = settings.model
        for observer in self.observers:
            observer.generation_started(model)
        tokens_per_second: float | None = None
        try:
            capabilities = await provider.capabilities(model)
            context = self._builder(capabilities.context_window).build(
                request.document,
                request.offset,
                request.open_documents,
                self.edits.recent(),
            )
            if context is None:
                return Skipped("excluded")
            shape = shape_for(context, settings.multiline)
            prompt = build_prompt(model, context, capabilities.fim)
            stop_early = make_stop_predicate(context, shape)

            def should_stop(text: str) -> bool:
                if on_partial is not None:
                    on_partial(text)
                return stop_early(text)

            options = self._options(shape, seed)
            result: CompletionResult = await provider.complete_code(
                prompt, model=model, options=options, should_stop=should_stop, affinity=request.document.uri
            )
            for observer in self.observers:
                observer.succeeded()
            stats = result.stats
            if stats is not None:
                tokens_per_second = stats.tokens_per_second
                log.debug(
                    "generation done: prompt_eval_count=%s eval_count=%s load_ms=%.0f",
                    stats.prompt_tokens,
                    stats.generated_tokens,
                    stats.load_ms or 0,
                )
            spent = stats.generated_tokens if stats is not None else None
            truncated = not result.stopped_early and (spent or 0) >= (options.max_tokens or 0)
            return postprocess(result.text, context, shape, truncated=truncated)
        except AiError as exc:
            log.info("completion failed: %s", exc.message)
            for observer in self.observers:
                observer.failed(exc, model)
            return Failed(exc)
        finally:
            for observer in self.observers:
                observer.generation_finished(model, tokens_per_second)

    def _builder(self, context_window: int | None) -> ContextBuilder:
        """A context builder whose budget fits the model's window and the settings."""
        s = self.settings
        family = family_for(s.model)
        window = min(
            s.num_ctx,
            context_window or s.num_ctx,
            family.context_length if family is not None else s.num_ctx,
        )
        budget = max(256, window - s.max_tokens - _PROMPT_MARGIN)
        builder = self._builders.get(budget)
        if builder is None:
            builder = ContextBuilder(
                max_tokens=budget,
                exclude_globs=s.exclude,
                workspace_root=self.workspace_root,
                max_snippets=s.context_files,
                similarity=self.similarity,
            )
            self._builders = {budget: builder}
        return builder

    def _options(self, shape: Shape, seed: int | None = None) -> ModelOptions:
        """The model options; a sample (``seed``) is drawn hot enough to say something else."""
        s = self.settings
        return ModelOptions(
            num_ctx=s.num_ctx,  # constant: a different value makes Ollama reload the model
            max_tokens=num_predict(shape, s.max_tokens),
            temperature=s.temperature if seed is None else max(s.temperature, _CHOICE_TEMPERATURE),
            seed=seed,
        )

    async def aclose(self) -> None:
        for pending in self._reindex.values():
            pending.cancel()
        self._reindex.clear()
        tasks: list[asyncio.Task[object]] = [g.task for g in self._generations.values()]
        tasks += [sampling.task for sampling in self._sampling.values()]
        self.cancel_all()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
