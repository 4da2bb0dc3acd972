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
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

from cachetools import LRUCache

from ollama_lsp.completion.cache import Anchor, Choice, SuggestionCache
from ollama_lsp.completion.debounce import AdaptiveDebounce
from ollama_lsp.completion.kv import PromptMemory, laid_out
from ollama_lsp.completion.planning import (
    Plan,
    Planner,
    Window,
    choose,
    next_to_warm,
    prefill_prompt,
)
from ollama_lsp.completion.postprocess import Shape, make_stop_predicate, postprocess, shape_for
from ollama_lsp.completion.shape import num_predict
from ollama_lsp.completion.slots import GenerationSlots, Priority
from ollama_lsp.completion.speeds import SpeedBook, Speeds, uncached_allowance
from ollama_lsp.context import (
    CHARS_PER_TOKEN,
    CodeContext,
    ContextBuilder,
    Document,
    EditTracker,
    LineEdit,
    SimilarityIndex,
    is_excluded,
)
from ollama_lsp.errors import AiError
from ollama_lsp.families import build_prompt, family_for
from ollama_lsp.providers import (
    AiProvider,
    CompletionPrompt,
    CompletionResult,
    GenerationStats,
    ModelOptions,
    PromptWarming,
)

__all__ = [
    "MAX_CHOICES",
    "Choice",
    "CompletionOutcome",
    "CompletionPipeline",
    "CompletionRequest",
    "Failed",
    "GenerationReport",
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
#: A suggestion shown this long (s) without an edit is being read: compute the one that will
#: be wanted once it is accepted...
NEXT_AFTER = 0.2
#: ...when the model is slow enough for the wait to show: its last suggestion took this (ms),
#: or it writes a line's worth of tokens that slowly. Any model on a CPU is that slow; a GPU
#: answering in a tenth of a second is not asked ahead of need (each guess costs tokens that
#: may never be shown).
NEXT_WORTH_MS = 150.0
#: The cursor rested this long (s) without an edit or a request: warm the model's cache.
PREFILL_AFTER = 0.2
#: A larger window is warmed once the cursor has rested this many times as long as it takes.
GROW_AFTER_REST = 2.0
#: Tokens a suggestion of each shape is expected to take (to leave room for writing it).
_EXPECTED_TOKENS = {Shape.LINE: 16, Shape.LINE_OR_BLOCK: 16, Shape.BLOCK: 40}
#: Documents whose context window is remembered.
_WINDOWS = 256
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
    @property
    def latency_budget_ms(self) -> int: ...


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


@dataclass(frozen=True, slots=True)
class GenerationReport:
    """What the last suggestion from the model cost: the time from the request to the answer,
    the model's writing speed, and the share of the prompt its KV cache held."""

    model: str
    elapsed_ms: float
    tokens_per_second: float | None
    cached_share: float | None


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

    def suggestion_made(self, report: GenerationReport) -> None:
        """A suggestion the model wrote was answered; what it cost."""


@dataclass(slots=True)
class PipelineStats:
    """Counters for benchmarks and the status command."""

    requests: int = 0
    generations: int = 0
    cache_hits: int = 0
    inflight_reuses: int = 0
    superseded: int = 0
    cancelled_generations: int = 0
    prefills: int = 0
    ahead: int = 0  # suggestions computed for after the shown one is accepted
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
    ahead: bool = False  # computed for after a suggestion is accepted, before anyone asked
    seed: int | None = None  # a sample for the other choices: not cached here, gives way
    tokens_per_second: float | None = None
    cached_share: float | None = None

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
        self.slots = GenerationSlots()
        self.speeds = SpeedBook()
        self.memory = PromptMemory()
        self._windows: LRUCache[str, Window] = LRUCache(_WINDOWS)
        self._warming: LRUCache[str, Window] = LRUCache(_WINDOWS)  # a larger one, being warmed
        self._ahead_timer: asyncio.TimerHandle | None = None
        self._prefill_timer: asyncio.TimerHandle | None = None
        self._prefill: asyncio.Task[None] | None = None
        self._last_ms = 0.0  # how long the last suggestion from the model took
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
            self._windows.clear()
            self._warming.clear()
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
        """A keystroke: learn the rhythm, keep or kill the generation running for ``uri``.

        Work ahead of the user stops: a prefill at once, a suggestion computed for after an
        acceptance unless this edit is that acceptance.
        """
        self.debounce.note_edit()
        self.edits.record(uri, changes)
        self._stop_prefill()
        self._cancel_timer("_ahead_timer")
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
        self._windows.pop(uri, None)
        self._warming.pop(uri, None)
        self.cache.forget(uri)
        self.edits.forget(uri)
        self.similarity.forget(uri)

    def cancel_all(self) -> None:
        self._stop_prefill()
        self._cancel_timer("_ahead_timer")
        for gen in list(self._generations.values()):
            self._cancel(gen)
        self._generations.clear()
        for uri in list(self._sampling):
            self._stop_sampling(uri)

    def _cancel_timer(self, name: Literal["_ahead_timer", "_prefill_timer"]) -> None:
        timer = getattr(self, name)
        if timer is not None:
            timer.cancel()
            setattr(self, name, None)

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
        self._cancel_timer("_prefill_timer")
        outcome = await self._complete(request)
        if isinstance(outcome, Suggestion) and self._worth_looking_ahead():
            self._look_ahead(request, outcome.text)
        return outcome

    async def _complete(self, request: CompletionRequest) -> CompletionOutcome:
        document, offset = request.document, request.offset
        uri, text = document.uri, document.text
        if self.provider is None:
            return Skipped("not connected")
        if (reason := self.skip_reason(document)) is not None:
            return Skipped(reason)

        cached = self.cache.get(uri, text, offset)
        if cached is not None and cached.text:
            self.stats.cache_hits += 1
            return Suggestion(cached.text, "cache", cached.id)
        if cached is not None and not request.invoked:  # asked by hand, the model tries again
            self.stats.cache_hits += 1
            return Skipped("empty")

        gen = self._generations.get(uri)
        if gen is not None and not gen.task.done():
            typed = gen.anchor.typed(text, offset)
            if typed is not None and gen.agrees_with(typed):
                started = time.perf_counter()
                gen.ahead = False  # someone asks for it now
                await self._wait(gen)
                cached = self.cache.get(uri, text, offset)
                if cached is not None and cached.text:
                    self.stats.inflight_reuses += 1
                    self._report(gen, started)
                    return Suggestion(cached.text, "inflight", cached.id)
                if cached is not None:
                    return Skipped("empty")
            else:
                self._cancel(gen)

        ticket = self._tickets.get(uri, 0) + 1
        self._tickets[uri] = ticket
        if not request.invoked and not await self._debounced(uri, ticket):
            self.stats.superseded += 1
            return Skipped("superseded")

        started = time.perf_counter()
        gen = self._start(request)
        outcome = await self._wait(gen)
        if isinstance(outcome, Suggestion):
            self._report(gen, started)
        return outcome

    def _worth_looking_ahead(self) -> bool:
        """Whether the wait for the suggestion after this one would show (see
        :data:`NEXT_WORTH_MS`); a short suggestion from a slow model still says it is slow."""
        if self._last_ms >= NEXT_WORTH_MS:
            return True
        speeds = self.speeds.get(self.settings.model)
        line_ms = _EXPECTED_TOKENS[Shape.LINE] / speeds.eval_tps * 1000
        return speeds.eval_samples > 0 and line_ms >= NEXT_WORTH_MS

    def _report(self, gen: _Generation, started: float) -> None:
        self._last_ms = (time.perf_counter() - started) * 1000
        report = GenerationReport(
            self.settings.model, self._last_ms, gen.tokens_per_second, gen.cached_share
        )
        for observer in self.observers:
            observer.suggestion_made(report)

    async def _debounced(self, uri: str, ticket: int) -> bool:
        """Wait for a typing pause; False when a newer request for ``uri`` came meanwhile."""
        while self._tickets.get(uri) == ticket:
            remaining = self.debounce.remaining()
            if remaining <= 0:
                return True
            await asyncio.sleep(remaining)
        return False

    def _start(self, request: CompletionRequest, *, ahead: bool = False) -> _Generation:
        uri = request.document.uri
        old = self._generations.get(uri)
        if old is not None:
            self._cancel(old)
        self._stop_sampling(uri)
        gen = _Generation(uri, Anchor.at(request.document.text, request.offset), ahead=ahead)
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
            text = await self._text(_Generation(uri, anchor, seed=seed), request)
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
        text = await self._text(gen, request)
        if not isinstance(text, str):
            return text
        choice = Choice(self._new_id(), text)
        self.cache.put(gen.uri, gen.anchor, choice)
        return Suggestion(text, "model", choice.id) if text else Skipped("empty")

    async def _text(self, gen: _Generation, request: CompletionRequest) -> str | Skipped | Failed:
        """The post-processed text of one generation; a backend error is its outcome (and told
        to the observers).

        It waits for the model's slot first (a stale request is cancelled while it waits, and
        never reaches Ollama), then plans its prompt against what the model's cache holds.
        """
        assert self.provider is not None
        provider, settings = self.provider, self.settings
        model = settings.model
        priority = Priority.NEXT if gen.ahead or gen.seed is not None else Priority.USER
        try:
            capabilities = await provider.capabilities(model)
            async with self.slots.turn((provider, model), priority):
                return await self._run(gen, request, capabilities.context_window, capabilities.fim)
        except AiError as exc:
            log.info("completion failed: %s", exc.message)
            if not gen.ahead:
                for observer in self.observers:
                    observer.failed(exc, model)
            return Failed(exc)

    async def _run(
        self,
        gen: _Generation,
        request: CompletionRequest,
        context_window: int | None,
        fim: bool | None,
    ) -> str | Skipped:
        """Plan, generate and post-process, holding the model's slot."""
        assert self.provider is not None
        provider, model = self.provider, self.settings.model
        speeds = self.speeds.get(model)
        plan = self._plan(request, context_window, fim, speeds)
        if plan is None:
            return Skipped("excluded")
        context = plan.context
        shape = shape_for(context, self.settings.multiline)
        stop_early = make_stop_predicate(context, shape)

        def should_stop(text: str) -> bool:
            gen.partial = text
            return stop_early(text)

        options = self._options(shape, gen.seed)
        observers = () if gen.ahead else self.observers  # work ahead of the user is silent
        for observer in observers:
            observer.generation_started(model)
        sent = time.perf_counter()
        try:
            result: CompletionResult = await provider.complete_code(
                plan.prompt,
                model=model,
                options=options,
                should_stop=should_stop,
                affinity=gen.uri,
            )
        except BaseException:
            self._remember(plan, speeds, sent, done=False)
            for observer in observers:
                observer.generation_finished(model, None)
            raise
        self._remember(plan, speeds, sent, done=True)
        stats = result.stats
        if stats is not None and not result.cached:
            gen.tokens_per_second = stats.tokens_per_second
            gen.cached_share = self._learn(plan, result.endpoint, stats, speeds)
            log.debug(
                "generation done: prompt_eval_count=%s eval_count=%s load_ms=%.0f",
                stats.prompt_tokens,
                stats.generated_tokens,
                stats.load_ms or 0,
            )
        for observer in observers:
            observer.generation_finished(model, gen.tokens_per_second)
            observer.succeeded()
        spent = stats.generated_tokens if stats is not None else None
        truncated = not result.stopped_early and (spent or 0) >= (options.max_tokens or 0)
        return postprocess(result.text, context, shape, truncated=truncated)

    def _plan(
        self,
        request: CompletionRequest,
        context_window: int | None,
        fim: bool | None,
        speeds: Speeds,
        *,
        warming: bool = False,
    ) -> Plan | None:
        """The prompt for ``request`` (with ``warming``: the one to evaluate ahead of it)."""
        assert self.provider is not None
        s = self.settings
        planner = self._planner(request, fim, speeds)
        full = self._window_tokens(context_window)
        allowance = uncached_allowance(
            speeds, s.latency_budget_ms, _EXPECTED_TOKENS[Shape.LINE_OR_BLOCK]
        )
        uri = request.document.uri
        remembered = self._windows.get(uri)
        if warming:
            plan = next_to_warm(
                planner, remembered, self._warming.get(uri), full=full, allowance=allowance
            )
            if plan is not None:
                self._warming[uri] = plan.window
            return plan
        candidates = [w for w in (remembered, self._warming.get(uri)) if w is not None]
        plan = choose(
            planner,
            candidates,
            full=full,
            allowance=allowance,
            chars_per_token=speeds.chars_per_token,
        )
        if plan is not None:
            self._windows[uri] = plan.window
            log.debug(
                "prompt: window %s, %d of %d characters cached, %d tokens allowed",
                plan.window,
                plan.cached_chars,
                len(plan.text),
                allowance,
            )
        return plan

    def _planner(self, request: CompletionRequest, fim: bool | None, speeds: Speeds) -> Planner:
        s = self.settings
        document, offset = request.document, request.offset
        builder = self._builder()
        # The builder counts 3.5 characters a token; this model's prompts have their own ratio.
        scale = speeds.chars_per_token / CHARS_PER_TOKEN
        allowance = uncached_allowance(speeds, s.latency_budget_ms, _EXPECTED_TOKENS[Shape.LINE])
        suffix_tokens = int(allowance / 3 * scale)

        def build(window: Window) -> CodeContext | None:
            return builder.build(
                document,
                offset,
                request.open_documents,
                self.edits.recent(),
                max_tokens=int(window.tokens * scale),
                suffix_tokens=suffix_tokens,
                start_line=window.start_line,
            )

        def render(context: CodeContext) -> CompletionPrompt:
            return build_prompt(s.model, context, fim)

        assert self.provider is not None
        return Planner(
            build,
            render,
            self.memory,
            (self.provider, s.model),
            document.text.count("\n", 0, offset),
        )

    def _remember(self, plan: Plan, speeds: Speeds, sent: float, *, done: bool) -> None:
        """What the model's cache holds after ``plan``'s prompt was sent: all of it once it
        was answered; after a cancel, the part it had time to evaluate."""
        assert self.provider is not None
        key = (self.provider, self.settings.model)
        if done:
            self.memory.remember(key, plan.text)
            return
        seconds = time.perf_counter() - sent
        evaluated = int(seconds * speeds.prompt_tps * speeds.chars_per_token)
        self.memory.remember(key, plan.text[: plan.cached_chars + evaluated])

    def _learn(
        self, plan: Plan, endpoint: str | None, stats: GenerationStats, speeds: Speeds
    ) -> float | None:
        """Fold a generation's counters into the model's speeds; the share of the prompt the
        model's cache held."""
        uncached = len(plan.text) - plan.cached_chars
        self.speeds.learn(
            endpoint or "",
            self.settings.model,
            prompt_tokens=stats.prompt_tokens,
            prompt_ms=stats.prompt_ms,
            prompt_chars=uncached,
            eval_tokens=stats.generated_tokens,
            eval_ms=stats.generation_ms,
        )
        if stats.prompt_tokens is None or not plan.text:
            return None
        total = len(plan.text) / speeds.chars_per_token
        return max(0.0, min(1.0, 1 - stats.prompt_tokens / max(total, 1)))

    def _window_tokens(self, context_window: int | None) -> int:
        """The largest prompt, in the model's tokens: the context window less the answer."""
        s = self.settings
        family = family_for(s.model)
        window = min(
            s.num_ctx,
            context_window or s.num_ctx,
            family.context_length if family is not None else s.num_ctx,
        )
        return max(256, window - s.max_tokens - _PROMPT_MARGIN)

    def _builder(self) -> ContextBuilder:
        """The context builder for these settings (its budget is given per call)."""
        s = self.settings
        builder = self._builders.get(0)
        if builder is None:
            builder = ContextBuilder(
                exclude_globs=s.exclude,
                workspace_root=self.workspace_root,
                max_snippets=s.context_files,
                similarity=self.similarity,
            )
            self._builders = {0: builder}
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

    # -- ahead of the user -----------------------------------------------------------------

    def _look_ahead(self, request: CompletionRequest, suggestion: str) -> None:
        """Once ``suggestion`` has been shown for :data:`NEXT_AFTER` s with no edit, compute
        the suggestion that will be wanted after accepting it (as llama.vscode does): then
        accepting shows the next one with no wait for the model."""
        document = request.document
        offset = request.offset
        text = document.text[:offset] + suggestion + document.text[offset:]
        accepted = CompletionRequest(
            replace(document, text=text, version=document.version + 1),
            offset + len(suggestion),
            request.open_documents,
            invoked=False,
        )
        self._cancel_timer("_ahead_timer")

        def start() -> None:
            self._ahead_timer = None
            uri = document.uri
            if self.cache.get(uri, accepted.document.text, accepted.offset) is not None:
                return
            key = (self.provider, self.settings.model)
            if self.provider is None or self.slots.busy(key, Priority.NEXT):
                return  # the user's requests go on: nothing runs ahead of them
            gen = self._start(accepted, ahead=True)
            self.stats.ahead += 1
            gen.task.add_done_callback(lambda task: task.cancelled() or task.exception())

        self._ahead_timer = asyncio.get_running_loop().call_later(NEXT_AFTER, start)

    def cursor_moved(self, request: CompletionRequest) -> None:
        """The cursor rests at ``request``'s position (the editor says so): once it has rested
        :data:`PREFILL_AFTER` s with no edit or request, warm the model's cache for it."""
        self._cancel_timer("_prefill_timer")
        if self.provider is None or self.skip_reason(request.document) is not None:
            return
        if not isinstance(self.provider, PromptWarming):
            return

        rested_from = asyncio.get_running_loop().time()

        def start() -> None:
            self._prefill_timer = None
            if self.provider is None or self.slots.busy((self.provider, self.settings.model)):
                return  # never while a completion is in flight
            self._stop_prefill()
            self._prefill = asyncio.get_running_loop().create_task(
                self._warm(request, rested_from), name=f"prefill {request.document.uri}"
            )
            self._prefill.add_done_callback(self._prefill_done)

        self._prefill_timer = asyncio.get_running_loop().call_later(PREFILL_AFTER, start)

    def _prefill_done(self, task: asyncio.Task[None]) -> None:
        if self._prefill is task:
            self._prefill = None
        if not task.cancelled() and task.exception() is not None:
            log.debug("prefill failed: %s", task.exception())

    def _stop_prefill(self) -> None:
        self._cancel_timer("_prefill_timer")
        if self._prefill is not None:
            self._prefill.cancel()
            self._prefill = None

    async def _warm(self, request: CompletionRequest, rested_from: float) -> None:
        """Evaluate the prompt the next request at this position will send, a piece at a time
        (each piece about one latency budget, so that the user's request never waits long
        behind it), and then a window twice as large, up to the whole context window.

        A larger window starts earlier in the file, so evaluating it evicts the warm one: a
        request that comes before it is done finds nothing cached. It starts only once the
        cursor has rested :data:`GROW_AFTER_REST` times as long as the larger window will take
        (a pause tends to go on about as long as it has lasted).
        """
        provider, model = self.provider, self.settings.model
        assert provider is not None
        warming = provider if isinstance(provider, PromptWarming) else None
        if warming is None:
            return
        key = (provider, model)
        try:
            capabilities = await provider.capabilities(model)
        except AiError:
            return
        uri, loop = request.document.uri, asyncio.get_running_loop()
        while True:
            async with self.slots.turn(key, Priority.PREFILL):
                speeds = self.speeds.get(model)
                warming_before = self._warming.get(uri)
                plan = self._plan(
                    request, capabilities.context_window, capabilities.fim, speeds, warming=True
                )
                if plan is None:
                    return
                wait = 0.0
                current = self._windows.get(uri)
                if current is not None and plan.window.tokens > current.tokens:
                    uncached = (len(plan.text) - plan.cached_chars) / speeds.chars_per_token
                    takes = uncached / speeds.prompt_tps
                    wait = GROW_AFTER_REST * takes - (loop.time() - rested_from)
                log.debug(
                    "prefill: window %s, %d of %d characters cached, wait %.2f s, %.0f tok/s",
                    plan.window,
                    plan.cached_chars,
                    len(plan.text),
                    wait,
                    speeds.prompt_tps,
                )
                if wait <= 0:
                    if not await self._prefill_piece(warming, plan, speeds, request):
                        return
                elif warming_before is None:  # too soon to evict the warm window
                    self._warming.pop(uri, None)
                else:
                    self._warming[uri] = warming_before
            if wait > 0:
                await asyncio.sleep(wait)  # rest longer first (typing cancels the task)

    async def _prefill_piece(
        self, warming: PromptWarming, plan: Plan, speeds: Speeds, request: CompletionRequest
    ) -> bool:
        """Evaluate the next piece of ``plan``'s prompt, about one latency budget's worth;
        False when the provider failed."""
        model, uri = self.settings.model, request.document.uri
        step = uncached_allowance(
            speeds, self.settings.latency_budget_ms, _EXPECTED_TOKENS[Shape.LINE]
        )
        cut = min(plan.cursor_line_at, plan.cached_chars + int(step * speeds.chars_per_token))
        prompt = prefill_prompt(plan, cut)
        sent = time.perf_counter()
        part = replace(plan, text=laid_out(prompt))
        try:
            result = await warming.prefill(
                prompt, model=model, options=self._options(Shape.LINE), affinity=uri
            )
        except BaseException as exc:
            self._remember(part, speeds, sent, done=False)
            if isinstance(exc, AiError):
                log.debug("prefill failed: %s", exc.message)
                return False
            raise
        self.stats.prefills += 1
        self._remember(part, speeds, sent, done=True)
        if result.stats is not None:
            self._learn(part, result.endpoint, result.stats, speeds)
        if cut >= plan.cursor_line_at:
            self._windows[uri] = plan.window
            self._warming.pop(uri, None)
        return True

    async def aclose(self) -> None:
        for pending in self._reindex.values():
            pending.cancel()
        self._reindex.clear()
        tasks: list[asyncio.Future[Any]] = [g.task for g in self._generations.values()]
        tasks += [sampling.task for sampling in self._sampling.values()]
        if self._prefill is not None:
            tasks.append(self._prefill)
        self.cancel_all()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
