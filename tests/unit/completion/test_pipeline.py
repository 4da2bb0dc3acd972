"""The pipeline against a mocked Ollama (HTTP edge only): cache, reuse, cancellation, choices."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import attrs
import httpx
import pytest
import respx

from ollama_lsp.completion.pipeline import (
    CompletionPipeline,
    CompletionRequest,
    Failed,
    PipelineObserver,
    Skipped,
    Suggestion,
)
from ollama_lsp.context import Document
from ollama_lsp.errors import AiError
from ollama_lsp.ollama import OllamaClient
from ollama_lsp.providers import OllamaProvider
from ollama_lsp.settings import CompletionSettings, DebounceSettings
from tests.unit.ollama.helpers import HOST, chunk, final, make_client

MODEL = "qwen2.5-coder:1.5b-base"
SHOW = {
    "template": "{{ if .Suffix }}<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>{{ .Suffix }}"
    "<|fim_middle|>{{ else }}{{ .Prompt }}{{ end }}",
    "model_info": {"general.architecture": "qwen2", "qwen2.context_length": 32768},
    "capabilities": ["completion", "insert"],
}
URI = "file:///project/add.py"
TEXT = "def add(a, b):\n    \n"
CURSOR = TEXT.index("    \n") + 4


class PacedStream(httpx.AsyncByteStream):
    """Generate chunks, one every ``gap`` seconds; records when the client closes it early."""

    def __init__(self, tokens: list[str], gap: float, first_sent: asyncio.Event) -> None:
        self.tokens = tokens
        self.gap = gap
        self.first_sent = first_sent
        self.sent = 0
        self.closed_early = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            for token in self.tokens:
                yield json.dumps(chunk(token, MODEL)).encode() + b"\n"
                self.sent += 1
                self.first_sent.set()
                await asyncio.sleep(self.gap)
            yield json.dumps(final(MODEL)).encode() + b"\n"
        except GeneratorExit:
            self.closed_early = True
            raise

    async def aclose(self) -> None:
        if self.sent < len(self.tokens):
            self.closed_early = True


class Backend:
    """A mocked Ollama answering /api/show and streaming /api/generate; a request with a
    ``seed`` gets ``by_seed[seed]`` (a sample), or status 500 when that is ``None``."""

    def __init__(self, router: respx.MockRouter) -> None:
        self.tokens = ["return", " a", " +", " b"]
        self.by_seed: dict[int, list[str] | None] = {}
        self.gap = 0.0
        self.streams: list[PacedStream] = []
        self.prompts: list[dict[str, Any]] = []
        self.requested = asyncio.Event()
        self.first_sent = asyncio.Event()
        router.post("/api/show").respond(json=SHOW)
        router.post("/api/generate").mock(side_effect=self.generate)

    def generate(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.prompts.append(body)
        tokens = self.tokens
        seed = body["options"].get("seed")
        if seed is not None:
            sample = self.by_seed.get(seed, self.tokens)
            if sample is None:
                return httpx.Response(500, json={"error": "llama runner process has terminated"})
            tokens = sample
        stream = PacedStream(tokens, self.gap, self.first_sent)
        self.streams.append(stream)
        self.requested.set()
        return httpx.Response(200, stream=stream)


class Events(PipelineObserver):
    def __init__(self) -> None:
        self.failures: list[AiError] = []
        self.requests = 0
        self.started = 0

    def completion_requested(self) -> None:
        self.requests += 1

    def generation_started(self, model: str) -> None:
        self.started += 1

    def failed(self, error: AiError, model: str) -> None:
        self.failures.append(error)


@pytest.fixture
def backend() -> Iterator[Backend]:
    with respx.mock(base_url=HOST, assert_all_called=False) as router:
        yield Backend(router)


@pytest.fixture
async def client() -> AsyncIterator[OllamaClient]:
    async with make_client(max_retries=0) as c:
        yield c


def settings(**changes: Any) -> CompletionSettings:
    return attrs.evolve(
        CompletionSettings(model=MODEL, debounce=DebounceSettings(min_ms=0, max_ms=0)),
        **changes,
    )


def make_pipeline(client: OllamaClient, **changes: Any) -> tuple[CompletionPipeline, Events]:
    events = Events()
    pipeline = CompletionPipeline(OllamaProvider(client), settings(**changes), observers=[events])
    return pipeline, events


def request(text: str, offset: int, *, invoked: bool = False) -> CompletionRequest:
    return CompletionRequest(Document(URI, text, "python", 1), offset, invoked=invoked)


def type_at(pipeline: CompletionPipeline, text: str, offset: int, chars: str) -> str:
    new = text[:offset] + chars + text[offset:]
    pipeline.document_changed(URI, new)
    return new


async def test_a_suggestion_comes_from_the_model_with_a_fim_prompt(
    backend: Backend, client: OllamaClient
) -> None:
    pipeline, _ = make_pipeline(client)
    suggestion = await pipeline.complete(request(TEXT, CURSOR))
    assert suggestion == Suggestion("return a + b", "model")
    body = backend.prompts[0]
    assert body["model"] == MODEL
    assert "def add(a, b):" in body["prompt"] + body.get("suffix", "")
    options = {k: v for k, v in body["options"].items() if k != "stop"}
    assert options == {"num_ctx": 4096, "num_predict": 128, "temperature": 0.2}
    assert "<|fim_middle|>" in body["options"]["stop"]


async def test_typing_through_a_suggestion_makes_no_backend_call(
    backend: Backend, client: OllamaClient
) -> None:
    pipeline, _ = make_pipeline(client)
    await pipeline.complete(request(TEXT, CURSOR))
    text = type_at(pipeline, TEXT, CURSOR, "ret")
    suggestion = await pipeline.complete(request(text, CURSOR + 3))
    assert suggestion == Suggestion("urn a + b", "cache")
    assert len(backend.prompts) == 1


async def test_a_cancelled_request_closes_the_backend_stream(
    backend: Backend, client: OllamaClient
) -> None:
    backend.gap = 0.2
    pipeline, _ = make_pipeline(client)
    task = asyncio.ensure_future(pipeline.complete(request(TEXT, CURSOR)))
    await asyncio.wait_for(backend.first_sent.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.05)
    assert backend.streams[0].closed_early
    assert backend.streams[0].sent < len(backend.tokens)


async def test_a_newer_request_elsewhere_stops_the_older_generation(
    backend: Backend, client: OllamaClient
) -> None:
    backend.gap = 0.2
    pipeline, _ = make_pipeline(client)
    first = asyncio.ensure_future(pipeline.complete(request(TEXT, CURSOR)))
    await asyncio.wait_for(backend.requested.wait(), 5)
    backend.gap = 0.0
    second = await pipeline.complete(request(TEXT, 0, invoked=True))
    assert await first == Skipped("stopped")
    assert backend.streams[0].closed_early
    assert isinstance(second, Suggestion) and len(backend.prompts) == 2


async def test_a_generation_whose_output_matches_the_typing_is_reused(
    backend: Backend, client: OllamaClient
) -> None:
    backend.gap = 0.1
    pipeline, _ = make_pipeline(client)
    first = asyncio.ensure_future(pipeline.complete(request(TEXT, CURSOR)))
    await asyncio.wait_for(backend.first_sent.wait(), 5)
    text = type_at(pipeline, TEXT, CURSOR, "re")  # agrees with "return", so it is kept
    first.cancel()  # the editor cancels the request it no longer shows
    second = await pipeline.complete(request(text, CURSOR + 2))
    assert second == Suggestion("turn a + b", "inflight")
    assert len(backend.prompts) == 1
    assert not backend.streams[0].closed_early


async def test_typing_something_else_stops_the_generation_at_once(
    backend: Backend, client: OllamaClient
) -> None:
    backend.gap = 0.2
    pipeline, _ = make_pipeline(client)
    first = asyncio.ensure_future(pipeline.complete(request(TEXT, CURSOR)))
    await asyncio.wait_for(backend.first_sent.wait(), 5)
    type_at(pipeline, TEXT, CURSOR, "pass")
    assert await first == Skipped("stopped")
    await asyncio.sleep(0.05)
    assert backend.streams[0].closed_early


async def test_a_burst_of_requests_starts_one_generation(
    backend: Backend, client: OllamaClient
) -> None:
    pipeline, _ = make_pipeline(client, debounce=DebounceSettings(min_ms=50, max_ms=50))
    text, offset, tasks = TEXT, CURSOR, []
    for char in "value = a + b":
        text = type_at(pipeline, text, offset, char)
        offset += 1
        tasks.append(asyncio.ensure_future(pipeline.complete(request(text, offset))))
        await asyncio.sleep(0.005)
    results = await asyncio.gather(*tasks)
    assert len(backend.prompts) == 1
    assert results[:-1] == [Skipped("superseded")] * (len(tasks) - 1)
    assert isinstance(results[-1], Suggestion)
    assert pipeline.stats.superseded == len(tasks) - 1


async def test_excluded_and_disabled_documents_never_reach_the_backend(
    backend: Backend, client: OllamaClient
) -> None:
    pipeline, _ = make_pipeline(client, disabled_languages=("markdown",))
    secret = CompletionRequest(Document("file:///project/.env", "API_KEY=", "dotenv", 1), 8)
    notes = CompletionRequest(Document("file:///project/a.md", "# ", "markdown", 1), 2)
    assert await pipeline.complete(secret) == Skipped("excluded")
    assert await pipeline.complete(notes) == Skipped("disabled")
    assert backend.prompts == []


async def test_a_backend_failure_is_reported_and_answered_with_nothing() -> None:
    async with make_client("http://127.0.0.1:9", max_retries=0) as down:
        pipeline, events = make_pipeline(down)
        outcome = await pipeline.complete(request(TEXT, CURSOR, invoked=True))
    assert isinstance(outcome, Failed) and "Ollama" in outcome.error.message
    assert events.failures == [outcome.error]
    assert events.requests == 1


# -- choices ---------------------------------------------------------------------------------


def samples(backend: Backend) -> list[dict[str, Any]]:
    return [p for p in backend.prompts if "seed" in p["options"]]


async def test_the_other_choices_are_sampled_after_the_first_from_the_same_prompt(
    backend: Backend, client: OllamaClient
) -> None:
    backend.by_seed = {1: ["return", " sum", "((a, b))"], 2: ["total", " = a + b"]}
    pipeline, events = make_pipeline(client)
    first = await pipeline.complete(request(TEXT, CURSOR, invoked=True))
    assert isinstance(first, Suggestion)
    choices = await pipeline.choices(request(TEXT, CURSOR, invoked=True), first)
    assert [c.text for c in choices] == ["return a + b", "return sum((a, b))", "total = a + b"]
    assert choices[0].id == first.id and len({c.id for c in choices}) == 3
    drawn = samples(backend)
    assert [p["options"]["seed"] for p in drawn] == [1, 2]
    assert {p["options"]["temperature"] for p in drawn} == {0.7}
    assert {p["prompt"] for p in drawn} == {backend.prompts[0]["prompt"]}  # Ollama's KV cache
    assert events.started == 3 and pipeline.stats.samples == 2


async def test_samples_that_repeat_another_or_say_nothing_are_dropped(
    backend: Backend, client: OllamaClient
) -> None:
    backend.by_seed = {1: ["return", " a", " +", " b", "  "], 2: ["\n"], 3: ["return b + a"]}
    pipeline, _ = make_pipeline(client)
    first = await pipeline.complete(request(TEXT, CURSOR, invoked=True))
    assert isinstance(first, Suggestion)
    choices = await pipeline.choices(request(TEXT, CURSOR, invoked=True), first)
    assert [c.text for c in choices] == ["return a + b", "return b + a"]
    assert len(samples(backend)) == 3  # never more than MAX_CHOICES samples


async def test_choices_are_sampled_once_per_cursor_and_typed_through_with_their_ids(
    backend: Backend, client: OllamaClient
) -> None:
    backend.by_seed = {1: ["return", " sum", "((a, b))"], 2: ["total", " = a + b"]}
    pipeline, _ = make_pipeline(client)
    first = await pipeline.complete(request(TEXT, CURSOR, invoked=True))
    assert isinstance(first, Suggestion)
    pipeline.start_choices(request(TEXT, CURSOR, invoked=True), first)
    choices = await pipeline.choices(request(TEXT, CURSOR, invoked=True), first)
    again = await pipeline.choices(request(TEXT, CURSOR, invoked=True), first)
    assert again == choices and len(samples(backend)) == 2
    text = type_at(pipeline, TEXT, CURSOR, "to")
    typed = await pipeline.complete(request(text, CURSOR + 2))
    assert typed == Suggestion("tal = a + b", "cache") and typed.id == choices[2].id
    text = type_at(pipeline, TEXT, CURSOR, "ret")
    rest = await pipeline.choices(request(text, CURSOR + 3, invoked=True), first)
    assert [c.text for c in rest] == ["urn a + b", "urn sum((a, b))"]
    assert [c.id for c in rest] == [c.id for c in choices[:2]]
    assert len(samples(backend)) == 2


async def test_a_change_of_the_document_stops_the_sampling_at_once(
    backend: Backend, client: OllamaClient
) -> None:
    pipeline, _ = make_pipeline(client)
    first = await pipeline.complete(request(TEXT, CURSOR, invoked=True))
    assert isinstance(first, Suggestion)
    backend.gap = 0.2
    backend.first_sent.clear()
    pipeline.start_choices(request(TEXT, CURSOR, invoked=True), first)
    await asyncio.wait_for(backend.first_sent.wait(), 5)
    type_at(pipeline, TEXT, CURSOR, "x")
    await asyncio.sleep(0.05)
    assert backend.streams[-1].closed_early
    assert len(samples(backend)) == 1


async def test_a_failed_sample_leaves_the_first_choice_alone(
    backend: Backend, client: OllamaClient
) -> None:
    backend.by_seed = {1: None}
    pipeline, events = make_pipeline(client)
    first = await pipeline.complete(request(TEXT, CURSOR, invoked=True))
    assert isinstance(first, Suggestion)
    choices = await pipeline.choices(request(TEXT, CURSOR, invoked=True), first)
    assert [c.text for c in choices] == ["return a + b"]
    assert len(samples(backend)) == 1 and len(events.failures) == 1


async def test_closing_the_pipeline_stops_the_sampling(
    backend: Backend, client: OllamaClient
) -> None:
    pipeline, _ = make_pipeline(client)
    first = await pipeline.complete(request(TEXT, CURSOR, invoked=True))
    assert isinstance(first, Suggestion)
    backend.gap = 0.2
    backend.first_sent.clear()
    pipeline.start_choices(request(TEXT, CURSOR, invoked=True), first)
    await asyncio.wait_for(backend.first_sent.wait(), 5)
    await pipeline.aclose()
    assert backend.streams[-1].closed_early
