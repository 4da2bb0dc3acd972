"""The next-edit path with a real model (gemma3 270M through llama.cpp): the prompts reach the
model as rendered, its answer is read back, and what comes out obeys the rules. A model this
small rarely predicts the right edit; what is checked is that nothing breaks on real output."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from ollama_lsp.completion.pipeline import Skipped
from ollama_lsp.context import Document, LineEdit
from ollama_lsp.nextedit import (
    NextEditEngine,
    NextEditOptions,
    NextEditRequest,
    Prediction,
)
from ollama_lsp.ollama import ClientSettings, OllamaClient
from ollama_lsp.providers import OllamaProvider
from tests.fake_ollama import FakeOllama, parse_edit_region

pytestmark = pytest.mark.real_model

CHAT = "gemma3:270m"
ZETA = "zeta-gemma3:270m"  # the same weights under a name of the Zeta family: the raw layout
URI = "file:///project/calc.py"
BEFORE = (
    "import math\n\n\n"
    "def total(items, rate):\n"
    "    subtotal = sum(items)\n"
    "    return subtotal * rate\n\n\n"
    "print(total([1, 2, 3], 2))\n"
)
AFTER = BEFORE.replace("rate)", "tax)", 1)


@pytest.fixture(scope="module")
def real() -> Iterator[FakeOllama]:
    with FakeOllama() as fake:
        try:
            fake.use_real_model(CHAT, fim=False)
            fake.use_real_model(ZETA, fim=False)
        except RuntimeError as missing:
            pytest.skip(f"real-model extra not installed: {missing}")
        yield fake


@pytest.fixture
async def provider(real: FakeOllama) -> AsyncIterator[OllamaProvider]:
    real.clear_requests()
    async with OllamaClient(ClientSettings(endpoints=(real.url,))) as client:
        yield OllamaProvider(client)


@pytest.mark.parametrize(("model", "path"), [(CHAT, "/api/chat"), (ZETA, "/api/generate")])
async def test_the_real_model_gets_the_prompt_and_its_answer_is_read(
    real: FakeOllama, provider: OllamaProvider, model: str, path: str
) -> None:
    options = NextEditOptions(model=model, max_tokens=160, debounce_min_ms=0, debounce_max_ms=0)
    engine = NextEditEngine(provider, options)
    engine.document_opened(Document(URI, BEFORE, "python", 1))
    engine.document_changed(URI, AFTER, [LineEdit(3, 3, 0)])
    line = AFTER.split("\n").index("def total(items, tax):")

    outcome = await engine.predict(
        NextEditRequest(Document(URI, AFTER, "python", 2), line, len("def total(items, tax"))
    )

    assert isinstance(outcome, Prediction) or outcome == Skipped("empty"), outcome
    (sent,) = real.requests_to(path)
    assert sent.prompt is not None and sent.tokens_generated > 0
    assert "+def total(items, tax):" in sent.prompt  # the edit history reached the model
    region = parse_edit_region(sent.prompt)
    assert region is not None and "def total(items, tax):" in region.text
    if model == ZETA:
        assert sent.body["raw"] is True and sent.prompt.startswith("### Instruction:")
    else:
        assert sent.prompt.startswith("<start_of_turn>user\n")  # gemma3's own chat template
    if isinstance(outcome, Prediction):  # what survived the rules: real edits, in the region
        lines = AFTER.split("\n")
        for edit in outcome.edits:
            assert lines[edit.start.line].startswith(edit.start.prefix)
            assert edit.text.strip() or edit.start != edit.end
        assert min(e.start.line for e in outcome.edits) >= line - 2  # the region's first line
