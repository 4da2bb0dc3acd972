"""With a real model behind the emulator: consecutive prompts share Ollama's KV cache."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    generations,
    initialize,
    inline_params,
    insert_text,
    open_document,
    settings_for,
)
from tests.fake_ollama import FakeOllama

pytestmark = pytest.mark.real_model

MODEL = "gemma3:270m"
URI = "file:///project/stats.py"
TEXT = (
    '"""Small statistics helpers."""\n\n\n'
    "def mean(values):\n    return sum(values) / len(values)\n\n\n"
    "def variance(values):\n    m = mean(values)\n"
    "    return sum((v - m) ** 2 for v in values) / len(values)\n\n\n"
    "def median(values):\n    ordered = sorted(values)\n    middle = len(ordered) // 2\n    \n"
)
EVALUATED = re.compile(r"prompt_eval_count=(\d+)")


@pytest.fixture
def real_ollama() -> Iterator[FakeOllama]:
    with FakeOllama() as fake:
        try:
            fake.use_real_model(MODEL)
        except RuntimeError as missing:
            pytest.skip(f"real-model extra not installed: {missing}")
        yield fake


async def test_a_nearby_second_request_reuses_most_of_the_prompt_evaluation(
    client: LanguageClient, real_ollama: FakeOllama
) -> None:
    settings = settings_for(real_ollama.url, MODEL, temperature=0, maxTokens=1)
    settings["logLevel"] = "debug"  # the server logs each generation's prompt_eval_count
    await initialize(client, init_options=settings)
    open_document(client, URI, TEXT)
    last = TEXT.count("\n") - 1  # the indented empty line of median()
    await client.text_document_inline_completion_async(inline_params(URI, last, 4))
    insert_text(client, URI, 2, last, 4, "if not ordered:")
    await client.text_document_inline_completion_async(inline_params(URI, last, 19))

    first, second = generations(real_ollama)
    assert second.prompt is not None and first.prompt is not None
    found = (EVALUATED.search(entry.message) for entry in client.log_messages)
    evaluated = [int(match.group(1)) for match in found if match]
    assert len(evaluated) == 2
    full, reused = evaluated
    assert full > 60  # the first prompt was evaluated in full
    shared = next(
        (i for i, (a, b) in enumerate(zip(first.prompt, second.prompt, strict=False)) if a != b),
        len(first.prompt),
    )
    assert shared > 0.8 * len(first.prompt)  # the layout keeps a long stable prefix
    assert reused < full / 5  # the second only past the shared prefix
