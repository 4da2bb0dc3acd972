"""Choices and suggestion outcomes end to end: editor -> server subprocess -> emulator.

An invoked request offers up to three distinct choices (sampled after the first); an automatic
one offers one. Every item carries the command that reports its acceptance, and
``ollama.suggestionOutcome`` counts what became of each suggestion in the model store, which
``ollama.status`` and ``ollama-lsp stats`` read.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from ollama_lsp.cli import main
from tests.e2e.conftest import (
    generations,
    initialize,
    inline_params,
    insert_text,
    open_document,
    settings_for,
)
from tests.e2e.session import execute, started
from tests.fake_ollama import FakeOllama

URI = "file:///project/src/area.py"
TEXT = "def area(w, h):\n    \n"
HEADER = "def area(w, h):\n    "
MODEL = "qwen2.5-coder:1.5b-base"
FOLLOWS = {"ollama": {"asksAgainForChoices": True}}


def script(fake: FakeOllama) -> None:
    """The first suggestion, and what the samples (seeds 1, 2, 3) say instead."""
    fake.reply("return w * h", prefix_endswith=HEADER)
    fake.reply("return w * h  ", prefix_endswith=HEADER, options={"seed": 1})  # the same
    fake.reply("result = w * h", prefix_endswith=HEADER, options={"seed": 2})
    fake.reply("return h * w", prefix_endswith=HEADER, options={"seed": 3})


async def ask(
    client: LanguageClient, line: int = 1, character: int = 4, *, invoked: bool = False
) -> list[types.InlineCompletionItem]:
    result = await client.text_document_inline_completion_async(
        inline_params(URI, line, character, invoked=invoked)
    )
    assert isinstance(result, types.InlineCompletionList)
    return result.items


def samples(fake: FakeOllama) -> list[Any]:
    return [g for g in generations(fake) if "seed" in g.body.get("options", {})]


def argument(item: types.InlineCompletionItem) -> dict[str, Any]:
    assert item.command is not None and item.command.command == "ollama.suggestionOutcome"
    assert item.command.arguments is not None
    found: dict[str, Any] = item.command.arguments[0]
    return found


async def report(client: LanguageClient, item: types.InlineCompletionItem, outcome: str) -> Any:
    return await execute(client, "ollama.suggestionOutcome", {**argument(item), "outcome": outcome})


async def suggestions(client: LanguageClient) -> dict[str, Any]:
    status = await execute(client, "ollama.status")
    found: dict[str, Any] = status["suggestions"]
    return found


async def test_an_invoked_request_offers_distinct_choices_an_automatic_one_one(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    script(fake_ollama)
    await initialize(client, init_options=settings_for(fake_ollama.url))
    open_document(client, URI, TEXT)

    automatic = await ask(client)
    assert [i.insert_text for i in automatic] == ["return w * h"]
    assert samples(fake_ollama) == []

    invoked = await ask(client, invoked=True)
    assert [i.insert_text for i in invoked] == ["return w * h", "result = w * h", "return h * w"]
    ids = [argument(i)["id"] for i in invoked]
    assert ids[0] == argument(automatic[0])["id"] and len(set(ids)) == 3
    assert all(argument(i)["outcome"] == "accepted" for i in invoked)
    drawn = samples(fake_ollama)
    assert [g.body["options"]["seed"] for g in drawn] == [1, 2, 3]
    assert all(g.body["options"]["temperature"] == 0.7 for g in drawn)
    assert {g.prompt for g in generations(fake_ollama)} == {generations(fake_ollama)[0].prompt}

    again = await ask(client, invoked=True)
    assert again == invoked and len(samples(fake_ollama)) == 3  # sampled once per cursor


async def test_typing_through_a_choice_keeps_it_and_its_id(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    script(fake_ollama)
    await initialize(client, init_options=settings_for(fake_ollama.url))
    open_document(client, URI, TEXT)
    invoked = await ask(client, invoked=True)
    insert_text(client, URI, 2, 1, 4, "res")
    typed = await ask(client, 1, 7)
    assert [i.insert_text for i in typed] == ["ult = w * h"]
    assert argument(typed[0])["id"] == argument(invoked[1])["id"]


async def test_a_client_that_asks_again_gets_the_first_at_once_and_the_others_next(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    script(fake_ollama)
    for seed in (1, 2, 3):  # samples slow enough to be still running after the first answer
        fake_ollama.reply(
            ["return w * h", "result = w * h", "return h * w"][seed - 1],
            prefix_endswith=HEADER,
            options={"seed": seed},
            first_token_seconds=0.3,
        )
    settings = settings_for(fake_ollama.url)
    await initialize(client, init_options=settings, profile="neovim", experimental=FOLLOWS)
    open_document(client, URI, TEXT)

    first = await ask(client, invoked=True)
    assert [i.insert_text for i in first] == ["return w * h"]
    assert len(samples(fake_ollama)) <= 1  # answered before the samples were done
    choices = await ask(client, invoked=True)
    assert [i.insert_text for i in choices] == ["return w * h", "result = w * h", "return h * w"]
    assert argument(choices[0])["id"] == argument(first[0])["id"]
    assert len(samples(fake_ollama)) == 3


async def test_outcomes_are_counted_once_each_at_their_best_per_language_and_model(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    script(fake_ollama)
    fake_ollama.reply("return a + b", prefix_endswith="function add(a, b) {\n  ")
    await initialize(client, init_options=settings_for(fake_ollama.url))
    open_document(client, URI, TEXT)
    js = "file:///project/add.js"
    open_document(client, js, "function add(a, b) {\n  \n}\n", "javascript")

    choices = await ask(client, invoked=True)  # the first is shown, the others not yet
    assert await report(client, choices[1], "shown") == {"counted": True}  # cycled to
    assert await report(client, choices[1], "partial") == {"counted": True}
    assert await report(client, choices[1], "dismissed") == {"counted": True}  # stays partial
    assert await report(client, choices[0], "dismissed") == {"counted": True}
    assert await report(client, choices[0], "accepted") == {"counted": True}  # came back to it
    js_items = (await client.text_document_inline_completion_async(inline_params(js, 1, 2))).items
    assert await report(client, js_items[0], "dismissed") == {"counted": True}
    unknown = {"id": "nobody", "outcome": "accepted"}
    assert await execute(client, "ollama.suggestionOutcome", unknown) == {"counted": False}

    counted = (await suggestions(client))["completion"]
    assert {k: counted[k] for k in ("shown", "accepted", "partial", "dismissed")} == {
        "shown": 3,
        "accepted": 1,
        "partial": 1,
        "dismissed": 1,
    }
    assert counted["acceptedRate"] == pytest.approx(1 / 3)
    by_language = {row["language"]: row for row in counted["byLanguage"]}
    assert (by_language["python"]["shown"], by_language["python"]["accepted"]) == (2, 1)
    assert (by_language["javascript"]["dismissedRate"], by_language["javascript"]["shown"]) == (
        1.0,
        1,
    )
    assert [row["model"] for row in counted["byModel"]] == [MODEL]


async def test_a_wrong_outcome_report_is_refused_naming_the_key(
    client: LanguageClient, fake_ollama: FakeOllama
) -> None:
    await initialize(client, init_options=settings_for(fake_ollama.url))
    bad = {"id": "x", "outcome": "loved"}
    with pytest.raises(Exception, match="outcome"):
        await execute(client, "ollama.suggestionOutcome", bad)
    with pytest.raises(Exception, match="kind"):
        await execute(client, "ollama.suggestionOutcome", {**bad, "kind": "x", "outcome": "shown"})


async def test_counts_outlive_the_server_and_the_cli_shows_their_rates(
    fake_ollama: FakeOllama, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script(fake_ollama)
    store = tmp_path / "store.sqlite3"
    async with started(store, fake_ollama) as client:
        open_document(client, URI, TEXT)
        command = (await ask(client))[0].command
        assert command is not None and command.arguments is not None
        await execute(client, command.command, command.arguments[0])  # as the editor does
    async with started(store, fake_ollama) as client:
        counted = (await suggestions(client))["completion"]
        assert (counted["shown"], counted["accepted"], counted["acceptedRate"]) == (1, 1, 1.0)

    assert await asyncio.to_thread(main, ["stats", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "python" in out and MODEL in out and "100%" in out
