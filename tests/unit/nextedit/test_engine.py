"""The next-edit engine against the emulator (HTTP edge): the rename scenario in each layout,
caching, cancellation, privacy, dismissal, and the failures a user must hear about."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from ollama_lsp.completion.pipeline import Failed, Skipped
from ollama_lsp.context import Document, LineEdit
from ollama_lsp.errors import AiError
from ollama_lsp.nextedit import (
    CannotPredictEdits,
    NextEditEngine,
    NextEditObserver,
    NextEditOptions,
    NextEditRequest,
    Prediction,
)
from ollama_lsp.ollama import ClientSettings, OllamaClient
from ollama_lsp.providers import OllamaProvider
from tests.fake_ollama import FakeOllama, parse_edit_region

URI = "file:///project/calc.py"
BEFORE = "def total(items, rate):\n    subtotal = sum(items)\n    return subtotal * rate\n"
AFTER = BEFORE.replace("rate)", "tax)", 1)
CURSOR = (0, AFTER.index("tax)") + 3)  # after the rename
ZETA = "zeta:latest"
CHAT = "qwen2.5-coder:1.5b-base"


class Recorder(NextEditObserver):
    def __init__(self) -> None:
        self.events: list[str] = []

    def requested(self) -> None:
        self.events.append("requested")

    def failed(self, error: AiError, model: str) -> None:
        self.events.append(f"failed {type(error).__name__}")


@pytest.fixture
async def client(fake_ollama_shared: FakeOllama) -> AsyncIterator[OllamaClient]:
    async with OllamaClient(ClientSettings(endpoints=(fake_ollama_shared.url,))) as client:
        async for _ in client.create(ZETA, from_=CHAT):  # as a user imports Zeta
            pass
        yield client


def engine_for(client: OllamaClient, model: str = ZETA, **options: object) -> NextEditEngine:
    fields: dict[str, object] = {"debounce_min_ms": 0, "debounce_max_ms": 0, **options}
    settings = NextEditOptions(model=model, **fields)  # type: ignore[arg-type]
    engine = NextEditEngine(OllamaProvider(client), settings)
    engine.document_opened(Document(URI, BEFORE, "python", 1))
    engine.document_changed(URI, AFTER, [LineEdit(0, 0, 0)])  # the rename, as one change
    return engine


async def eventually(condition: Callable[[], bool]) -> None:
    """Wait (up to 5 s) for ``condition``, which another thread makes true."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


def request(text: str = AFTER, uri: str = URI, **extra: object) -> NextEditRequest:
    document = Document(uri, text, "python", 2)
    return NextEditRequest(document, *CURSOR, **extra)  # type: ignore[arg-type]


def edits_of(outcome: object) -> list[tuple[int, str, int, str, str]]:
    assert isinstance(outcome, Prediction), outcome
    return [(e.start.line, e.start.prefix, e.end.line, e.end.prefix, e.text) for e in outcome.edits]


async def test_after_a_rename_the_zeta_model_proposes_the_use_below(
    client: OllamaClient, fake_ollama_shared: FakeOllama
) -> None:
    fake_ollama_shared.add_rule(rewrite_region=[["* rate", "* tax"]])
    engine = engine_for(client)

    outcome = await engine.predict(request())

    assert edits_of(outcome) == [
        (2, "    return subtotal * ", 2, "    return subtotal * rate", "tax")
    ]
    (sent,) = fake_ollama_shared.requests_to("/api/generate")
    assert sent.body["raw"] is True and sent.prompt is not None
    assert sent.prompt.startswith("### Instruction:\n")
    assert "-def total(items, rate):\n+def total(items, tax):" in sent.prompt
    region = parse_edit_region(sent.prompt)
    assert region is not None and region.text.startswith("def total(items, tax):")
    assert region.text[region.cursor :].startswith("):")


async def test_asking_again_unchanged_costs_no_generation(
    client: OllamaClient, fake_ollama_shared: FakeOllama
) -> None:
    fake_ollama_shared.add_rule(rewrite_region=[["* rate", "* tax"]])
    engine = engine_for(client)
    first = await engine.predict(request())
    second = await engine.predict(request())

    assert isinstance(second, Prediction) and second.source == "cache"
    assert edits_of(first) == edits_of(second) and first.id != second.id
    assert len(fake_ollama_shared.requests_to("/api/generate")) == 1
    assert engine.stats.generations == 1 and engine.stats.cache_hits == 1


async def test_a_chat_model_answers_in_a_fence_through_the_chat_endpoint(
    client: OllamaClient, fake_ollama_shared: FakeOllama
) -> None:
    fake_ollama_shared.add_rule(rewrite_region=[["* rate", "* tax"]], rewrite_as="fence")
    engine = engine_for(client, model=CHAT)

    outcome = await engine.predict(request())

    assert edits_of(outcome)[0][-1] == "tax"
    (sent,) = fake_ollama_shared.requests_to("/api/chat")
    roles = [m["role"] for m in sent.body["messages"]]
    assert roles == ["system", "user"]
    assert "one fenced code block" in sent.body["messages"][1]["content"]


async def test_an_undo_of_the_rename_and_noise_are_not_proposed(
    client: OllamaClient, fake_ollama_shared: FakeOllama
) -> None:
    fake_ollama_shared.add_rule(rewrite_region=[["tax)", "rate)"], ["    subtotal", "  subtotal"]])
    engine = engine_for(client)

    assert await engine.predict(request()) == Skipped("empty")


async def test_an_answer_cut_by_the_token_budget_is_no_rewrite(
    client: OllamaClient, fake_ollama_shared: FakeOllama
) -> None:
    fake_ollama_shared.add_rule(
        reply="<|editable_region_start|>\ndef total(items, tax):\n    subtotal",
        exhausts_budget=True,
    )
    engine = engine_for(client)

    assert await engine.predict(request()) == Skipped("empty")


async def test_an_edit_stops_the_running_generation_and_ollama_with_it(
    client: OllamaClient, fake_ollama_shared: FakeOllama
) -> None:
    fake_ollama_shared.add_rule(rewrite_region=[["* rate", "* tax"]], tokens_per_second=20)
    engine = engine_for(client)
    pending = asyncio.ensure_future(engine.predict(request()))
    await eventually(lambda: bool(fake_ollama_shared.requests_to("/api/generate")))

    engine.document_changed(URI, AFTER + "#", [LineEdit(3, 3, 0)])

    assert await pending == Skipped("stopped")
    await eventually(lambda: fake_ollama_shared.counters.generations_cancelled == 1)


async def test_a_newer_automatic_request_supersedes_one_still_waiting(
    client: OllamaClient, fake_ollama_shared: FakeOllama
) -> None:
    fake_ollama_shared.add_rule(rewrite_region=[["* rate", "* tax"]])
    engine = engine_for(client, debounce_min_ms=200, debounce_max_ms=200)
    engine.document_changed(URI, AFTER, [])  # a keystroke just now: the debounce runs

    first = asyncio.ensure_future(engine.predict(request()))
    await asyncio.sleep(0.05)
    second = await engine.predict(request())

    assert await first == Skipped("superseded")
    assert isinstance(second, Prediction)
    assert len(fake_ollama_shared.requests_to("/api/generate")) == 1


async def test_private_documents_give_no_prediction_and_no_history(
    client: OllamaClient, fake_ollama_shared: FakeOllama
) -> None:
    fake_ollama_shared.add_rule(rewrite_region=[["* rate", "* tax"]])
    engine = engine_for(client)
    secret_uri = "file:///project/deploy.py"
    key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----\n"
    engine.document_opened(Document(secret_uri, key, "python", 1))
    engine.document_changed(secret_uri, key + "x\n", [LineEdit(3, 3, 1)])
    env_uri = "file:///project/.env"
    engine.document_opened(Document(env_uri, "A=1\n", "dotenv", 1))

    assert await engine.predict(request("A=2\n", env_uri)) == Skipped("excluded")
    assert await engine.predict(request(key + "x\n", secret_uri)) == Skipped("excluded")
    others = [Document(secret_uri, key + "x\n", "python", 2)]
    assert isinstance(await engine.predict(request(open_documents=others)), Prediction)
    (sent,) = fake_ollama_shared.requests_to("/api/generate")
    assert sent.prompt is not None and "deploy.py" not in sent.prompt and "MIIE" not in sent.prompt


async def test_a_dismissed_prediction_is_not_offered_again(
    client: OllamaClient, fake_ollama_shared: FakeOllama
) -> None:
    fake_ollama_shared.add_rule(rewrite_region=[["* rate", "* tax"]])
    engine = engine_for(client)
    first = await engine.predict(request())
    assert isinstance(first, Prediction)

    assert engine.resolved(first.id, accepted=False)
    assert await engine.predict(request()) == Skipped("empty")
    assert not engine.resolved(first.id, accepted=True)  # already resolved
    assert (engine.stats.dismissed, engine.stats.accepted) == (1, 0)


async def test_a_model_that_cannot_predict_edits_is_a_failure_the_user_hears_of(
    client: OllamaClient,
) -> None:
    engine = engine_for(client, model="nomic-embed-text:latest")
    recorder = Recorder()
    engine.add_observer(recorder)

    outcome = await engine.predict(request())

    assert isinstance(outcome, Failed) and isinstance(outcome.error, CannotPredictEdits)
    assert "nextEdit.model" in outcome.error.message
    assert recorder.events == ["requested", "failed CannotPredictEdits"]


async def test_off_without_a_model_and_for_disabled_languages(client: OllamaClient) -> None:
    assert await engine_for(client, model="").predict(request()) == Skipped("disabled")
    quiet = engine_for(client, disabled_languages=("python",))
    assert await quiet.predict(request()) == Skipped("disabled")
