"""SuggestionOutcomes: each suggestion counted once, at its best outcome, written in batches."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from ollama_lsp.server import OllamaLanguageServer
from ollama_lsp.server.outcomes import SuggestionOutcomes, summary
from ollama_lsp.store import ModelStore, OutcomeCounts

MODEL = "qwen2.5-coder:1.5b-base"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ModelStore]:
    with ModelStore.open(tmp_path / "store.sqlite3") as opened:
        yield opened


async def test_each_suggestion_ends_at_its_best_outcome_once(store: ModelStore) -> None:
    outcomes = SuggestionOutcomes(OllamaLanguageServer(), store, write_after=60)
    outcomes.offered("completion", "a", "python", MODEL, shown=True)
    outcomes.offered("completion", "a", "python", MODEL, shown=True)  # typed through: same id
    outcomes.offered("completion", "b", "python", MODEL, shown=False)  # a choice not seen
    outcomes.offered("completion", "c", "python", MODEL, shown=True)
    assert outcomes.report("completion", "a", "partial")
    assert outcomes.report("completion", "a", "accepted")
    assert outcomes.report("completion", "c", "partial")
    assert outcomes.report("completion", "c", "dismissed")
    assert not outcomes.report("nextEdit", "a", "accepted")  # another kind's id
    assert store.outcomes() == []  # not written yet: batched
    assert await outcomes.counts() == [
        OutcomeCounts("completion", "python", MODEL, shown=2, accepted=1, partial=1)
    ]


async def test_counts_are_written_a_moment_later_without_asking(store: ModelStore) -> None:
    server = OllamaLanguageServer()
    outcomes = SuggestionOutcomes(server, store, write_after=0.01)
    outcomes.offered("completion", "a", "go", MODEL, shown=True)
    for _ in range(250):
        if store.outcomes():
            break
        await asyncio.sleep(0.02)
    assert store.outcomes() == [OutcomeCounts("completion", "go", MODEL, shown=1)]
    await server.cancel_background()


async def test_ids_are_remembered_a_bounded_number(store: ModelStore) -> None:
    outcomes = SuggestionOutcomes(OllamaLanguageServer(), store, max_tracked=2, write_after=60)
    for name in ("a", "b", "c"):
        outcomes.offered("completion", name, "go", MODEL, shown=True)
    assert not outcomes.report("completion", "a", "accepted")
    assert outcomes.report("completion", "c", "accepted")
    await outcomes.flush()


async def test_a_store_that_cannot_be_written_loses_the_counts_not_the_server(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = ModelStore.open(tmp_path / "store.sqlite3")
    outcomes = SuggestionOutcomes(OllamaLanguageServer(), store, write_after=60)
    outcomes.offered("completion", "a", "go", MODEL, shown=True)
    store.close()
    await outcomes.flush()
    assert await outcomes.counts() == []
    assert "suggestion outcomes not stored" in caplog.text


def test_the_summary_adds_up_per_kind_language_and_model() -> None:
    rows = [
        OutcomeCounts("completion", "python", "m1", shown=3, accepted=1, dismissed=1),
        OutcomeCounts("completion", "python", "m2", shown=1, partial=1),
        OutcomeCounts("nextEdit", "go", "m1", shown=0),
    ]
    answer = summary(rows)
    completion = answer["completion"]
    assert (completion["shown"], completion["acceptedRate"], completion["partialRate"]) == (
        4,
        0.25,
        0.25,
    )
    assert [r["language"] for r in completion["byLanguage"]] == ["python"]
    assert [(r["model"], r["shown"]) for r in completion["byModel"]] == [("m1", 3), ("m2", 1)]
    assert answer["nextEdit"]["acceptedRate"] is None  # nothing shown: no rate
