"""Work ahead of the user: the suggestion after an accepted one, the cache warmed where the
cursor rests, a cold prompt cut to the latency budget, and what the status says it cost."""

from __future__ import annotations

import asyncio
from typing import Any

from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    eventually,
    generations,
    initialize,
    inline_params,
    insert_text,
    open_document,
    settings_for,
)
from tests.e2e.test_pipeline_behaviour import first_text
from tests.fake_ollama import FakeOllama
from tests.fake_ollama._scripted import tokenize

URI = "file:///project/src/area.py"


def big_module(lines: int) -> str:
    body = ["import math", ""]
    for k in range(lines):
        body.append(f"def f{k}(x):" if k % 4 == 0 else f"    x = x + {k}  # step {k}")
    return "\n".join(body) + "\n"


def move_cursor(client: LanguageClient, uri: str, line: int, character: int) -> None:
    """What the project's editors send when the cursor comes to rest."""
    client.protocol.notify(
        "ollama/didMoveCursor",
        {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}},
    )


async def test_the_suggestion_after_an_accepted_one_is_ready_when_it_is_accepted(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    # A model slow enough for a wait to show (a fast one is not asked ahead of need).
    fake_ollama.reply("total = w * h", prefix_endswith="    ", first_token_seconds=0.3)
    fake_ollama.reply("\n    return total", prefix_endswith="w * h", first_token_seconds=0.3)
    await initialize(client, init_options=settings_for(fake_ollama.url))
    statuses: list[dict[str, Any]] = client.statuses  # type: ignore[attr-defined]
    open_document(client, URI, "def area(w, h):\n    \n")

    shown = await client.text_document_inline_completion_async(inline_params(URI, 1, 4))
    assert first_text(shown) == "total = w * h"
    # While the user reads it, the one that follows it is computed.
    await eventually(
        lambda: (
            len(generations(fake_ollama)) == 2 and generations(fake_ollama)[1].finished is not None
        )
    )
    ahead = generations(fake_ollama)[1]
    assert ahead.fim_prefix is not None and ahead.fim_prefix.endswith("    total = w * h")

    insert_text(client, URI, 2, 1, 4, "total = w * h")  # accepted: the editor inserts it
    following = await client.text_document_inline_completion_async(
        inline_params(URI, 1, 17, invoked=False)
    )
    assert first_text(following) == "\n    return total"
    assert len(generations(fake_ollama)) == 2  # no wait for the model
    await eventually(lambda: statuses[-1].get("suggestionMs") is not None)
    assert 0 <= statuses[-1]["cachedShare"] <= 1
    assert statuses[-1]["tokensPerSecond"] > 0


async def test_a_fast_model_is_not_asked_ahead_of_need(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.reply("total = w * h", prefix_endswith="    ")
    await initialize(client, init_options=settings_for(fake_ollama.url))
    open_document(client, URI, "def area(w, h):\n    \n")
    await client.text_document_inline_completion_async(inline_params(URI, 1, 4))
    await asyncio.sleep(0.5)  # longer than the reading time after which it would start
    assert len(generations(fake_ollama)) == 1


async def test_a_short_suggestion_from_a_slow_writer_still_has_the_next_one_computed(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    # Five tokens come quickly, but this model writes 50 a second: a line takes long.
    fake_ollama.reply("w * h + 1", prefix_endswith="= ", tokens_per_second=50)
    await initialize(client, init_options=settings_for(fake_ollama.url))
    open_document(client, URI, "def area(w, h):\n    total = \n")
    shown = await client.text_document_inline_completion_async(inline_params(URI, 1, 12))
    assert first_text(shown) == "w * h + 1"
    await eventually(lambda: len(generations(fake_ollama)) == 2)
    assert "total = w * h + 1<|fim_suffix|>" in generations(fake_ollama)[1].body["prompt"]


async def test_an_other_edit_stops_the_suggestion_computed_ahead(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.reply("total = w * h", prefix_endswith="    ", first_token_seconds=0.3)
    fake_ollama.reply("\n    return total", prefix_endswith="w * h", first_token_seconds=5)
    await initialize(client, init_options=settings_for(fake_ollama.url))
    open_document(client, URI, "def area(w, h):\n    \n")
    await client.text_document_inline_completion_async(inline_params(URI, 1, 4))
    await eventually(lambda: len(generations(fake_ollama)) == 2)

    insert_text(client, URI, 2, 1, 4, "x")  # not the suggestion: the work ahead is wasted
    ahead = generations(fake_ollama)[1]
    await eventually(lambda: ahead.disconnected)
    assert ahead.tokens_generated == 0


async def test_the_cache_is_warmed_where_the_cursor_rests(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.reply(" + 1")
    await initialize(client, init_options=settings_for(fake_ollama.url))
    text = big_module(400)
    line = 300
    column = len(text.split("\n")[line])
    open_document(client, URI, text)
    move_cursor(client, URI, line, column)

    def prefills() -> list[Any]:
        return [r for r in generations(fake_ollama) if r.body["options"]["num_predict"] == 1]

    await eventually(lambda: bool(prefills()))
    await settled(fake_ollama)
    warmed = prefills()
    assert len(warmed) > 1  # a budget's worth first, then larger windows up to the whole one
    assert len(warmed[-1].body["prompt"]) > 4 * len(warmed[0].body["prompt"])
    await client.text_document_inline_completion_async(inline_params(URI, line, column))

    (request,) = generations(fake_ollama)[len(warmed) :]
    prompt, last = request.body["prompt"], warmed[-1].body["prompt"]
    assert prompt.startswith(last)
    # Only what follows the warmed part was evaluated (the emulator reuses the KV cache).
    assert request.metrics["prompt_eval_count"] <= len(tokenize(prompt[len(last) :])) + 1


async def test_a_larger_window_waits_until_the_cursor_has_rested_as_long_as_it_takes(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    # A slow model: warming a window twice as large takes seconds, and evicts the warm one.
    fake_ollama.reply(" + 1")
    fake_ollama.configure(prompt_tokens_per_second=100)
    await initialize(client, init_options=settings_for(fake_ollama.url, latencyBudgetMs=2000))
    text = big_module(400)
    line = 300
    column = len(text.split("\n")[line])
    open_document(client, URI, text)
    move_cursor(client, URI, line, column)

    def prefills() -> list[Any]:
        return [r for r in generations(fake_ollama) if r.body["options"]["num_predict"] == 1]

    before_cursor_line = text.split("\n")[line - 1] + "\n"

    def cursor_window_warm() -> bool:
        return any(
            r.finished is not None and r.body["prompt"].endswith(before_cursor_line)
            for r in prefills()
        )

    await eventually(cursor_window_warm, within=30)
    warmed = prefills()
    await asyncio.sleep(0.5)  # resting, but not yet as long as the larger window would take
    assert prefills() == warmed  # so it waits: warming it would evict the warm window
    await client.text_document_inline_completion_async(inline_params(URI, line, column))

    request = generations(fake_ollama)[-1]
    assert request.body["options"]["num_predict"] != 1
    assert all(r.finished is not None and not r.disconnected for r in warmed)  # none cut short
    prompt, last = request.body["prompt"], warmed[-1].body["prompt"]
    assert prompt.startswith(last)
    assert request.metrics["prompt_eval_count"] <= len(tokenize(prompt[len(last) :])) + 1


async def settled(fake: FakeOllama) -> None:
    """Until the emulator has had no new or open generation for half a second."""
    quiet = 0
    while quiet < 5:
        records = generations(fake)
        await asyncio.sleep(0.1)
        busy = any(r.finished is None for r in records) or len(generations(fake)) > len(records)
        quiet = 0 if busy else quiet + 1


async def test_a_cold_prompt_is_cut_to_the_latency_budget(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    # A slow model: about a hundred prompt tokens a second, twenty written.
    fake_ollama.reply(" + 1", first_token_seconds=0.4, tokens_per_second=20)
    await initialize(client, init_options=settings_for(fake_ollama.url))
    small = "def add(a, b):\n    total = a + b\n    return total\n\n\ndef sub(a, b):\n    "
    open_document(client, "file:///project/src/small.py", small)
    await client.text_document_inline_completion_async(
        inline_params("file:///project/src/small.py", 6, 4)
    )  # the model's speeds are learned from this answer

    text = big_module(2000)
    open_document(client, URI, text)
    await client.text_document_inline_completion_async(inline_params(URI, 1500, 5))
    cold = generations(fake_ollama)[-1]
    assert len(cold.body["prompt"]) < 1500  # a budget's worth, not the 4,096-token window


async def test_without_a_tight_budget_the_whole_window_is_sent(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    fake_ollama.reply(" + 1", first_token_seconds=0.4, tokens_per_second=20)
    await initialize(client, init_options=settings_for(fake_ollama.url, latencyBudgetMs=60_000))
    open_document(client, URI, big_module(2000))
    await client.text_document_inline_completion_async(inline_params(URI, 1500, 5))
    assert len(generations(fake_ollama)[-1].body["prompt"]) > 6000
