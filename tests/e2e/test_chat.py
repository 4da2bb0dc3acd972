"""``ollama.chat`` against the emulator: streaming, history, context, cancel, errors."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.e2e.conftest import eventually, open_document
from tests.e2e.session import execute, started, wait_for_message
from tests.fake_ollama import FakeOllama

CHAT_MODEL = "codellama:7b-instruct"
ANSWER = "Use a list comprehension: squares = [x * x for x in numbers]"
SETTINGS: dict[str, Any] = {"chat": {"model": CHAT_MODEL}}


def deltas(client: LanguageClient) -> list[dict[str, Any]]:
    return client.chat_deltas  # type: ignore[attr-defined,no-any-return]


def chat_prompts(fake: FakeOllama) -> list[str]:
    return [r.prompt or "" for r in fake.requests_to("/api/chat")]


async def test_chat_streams_deltas_and_returns_the_answer_with_counts(
    tmp_path: Path, fake_ollama: FakeOllama
) -> None:
    fake_ollama.reply(ANSWER, endpoint="chat")
    async with started(tmp_path / "s.db", fake_ollama, **SETTINGS) as client:
        result = await execute(client, "ollama.chat", {"message": "How do I square a list?"})
        streamed = list(deltas(client))
        follow_up = await execute(
            client,
            "ollama.chat",
            {
                "conversationId": result["conversationId"],
                "messageId": "answer-2",
                "message": "And only even ones?",
            },
        )
        tagged = deltas(client)[len(streamed) :]
        other = await execute(client, "ollama.chat", {"message": "Unrelated question"})
    assert result["content"] == ANSWER and result["model"] == CHAT_MODEL
    assert result["cancelled"] is False
    assert result["evalCount"] > 0 and result["promptEvalCount"] > 0
    assert result["durationMs"] >= 0 and result["tokensPerSecond"] > 0
    chunks = [d for d in streamed if not d["done"]]
    assert len(chunks) > 1  # streamed, not one block
    assert "".join(d["delta"] for d in chunks) == ANSWER
    assert {d["conversationId"] for d in streamed} == {result["conversationId"]}
    assert streamed[-1]["done"] is True
    assert "messageId" not in streamed[0]
    assert tagged and {d.get("messageId") for d in tagged} == {"answer-2"}  # echoed when given
    # the follow-up carried the history; another conversation did not
    _, second, third = chat_prompts(fake_ollama)
    assert "How do I square a list?" in second and ANSWER in second
    assert "And only even ones?" in second
    assert follow_up["conversationId"] == result["conversationId"]
    assert other["conversationId"] != result["conversationId"]
    assert "How do I square a list?" not in third


async def test_chat_includes_the_selection_as_context(
    tmp_path: Path, fake_ollama: FakeOllama
) -> None:
    uri = "file:///project/m.py"
    text = "import os\n\ndef sq(xs):\n    return [x * x for x in xs]\n"
    async with started(tmp_path / "s.db", fake_ollama, **SETTINGS) as client:
        open_document(client, uri, text)
        selection = {
            "uri": uri,
            "range": {"start": {"line": 2, "character": 0}, "end": {"line": 3, "character": 30}},
        }
        await execute(client, "ollama.chat", {"message": "Explain", "includeSelection": selection})
        await execute(client, "ollama.chat", {"message": "Review", "includeDocument": uri})
    with_selection, with_document = chat_prompts(fake_ollama)
    assert "def sq(xs):\n    return [x * x for x in xs]" in with_selection
    assert "import os" not in with_selection
    assert "import os" in with_document and "Review" in with_document


async def test_chat_is_cancellable_by_command_and_progress(
    tmp_path: Path, fake_ollama: FakeOllama
) -> None:
    long_answer = " ".join(["word"] * 400)
    fake_ollama.add_rule(reply=long_answer, endpoint="chat", tokens_per_second=40)
    async with started(tmp_path / "s.db", fake_ollama, **SETTINGS) as client:
        pending = asyncio.ensure_future(
            execute(client, "ollama.chat", {"conversationId": "a", "message": "Talk"})
        )
        await eventually(lambda: len(deltas(client)) >= 3)
        assert await execute(client, "ollama.cancelChat", {"conversationId": "a"}) == {
            "cancelled": True
        }
        by_command = await pending

        pending = asyncio.ensure_future(
            execute(client, "ollama.chat", {"conversationId": "b", "message": "Talk"})
        )
        await eventually(lambda: sum(d["conversationId"] == "b" for d in deltas(client)) >= 3)
        token = next(
            t
            for t, r in client.progress_reports.items()
            if r
            and isinstance(r[0], types.WorkDoneProgressBegin)
            and r[0].title.startswith("Chat")
            and not any(isinstance(x, types.WorkDoneProgressEnd) for x in r)
        )
        client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
        by_progress = await pending
    for result in (by_command, by_progress):
        assert result["cancelled"] is True
        assert 0 < len(result["content"]) < len(long_answer)
    await eventually(lambda: fake_ollama.counters.generations_cancelled == 2)
    assert fake_ollama.counters.tokens_after_disconnect == 0


async def test_chat_errors_reach_the_user(tmp_path: Path, fake_ollama: FakeOllama) -> None:
    async with started(tmp_path / "s.db", fake_ollama, **SETTINGS) as client:
        with pytest.raises(JsonRpcException, match="nosuch:7b"):
            await execute(client, "ollama.chat", {"message": "hi", "model": "nosuch:7b"})
        await wait_for_message(client, "nosuch:7b")
        fake_ollama.refuse_connections()
        with pytest.raises(JsonRpcException, match="not running"):
            await execute(client, "ollama.chat", {"message": "hi"})
        await wait_for_message(client, "not running")


async def test_cancel_request_stops_the_generation(tmp_path: Path, fake_ollama: FakeOllama) -> None:
    fake_ollama.add_rule(reply=" ".join(["word"] * 400), endpoint="chat", tokens_per_second=40)
    async with started(tmp_path / "s.db", fake_ollama, **SETTINGS) as client:
        params = types.ExecuteCommandParams(
            command="ollama.chat", arguments=[{"conversationId": "z", "message": "Talk"}]
        )
        request = asyncio.ensure_future(
            client.protocol.send_request_async(
                types.WORKSPACE_EXECUTE_COMMAND, params, msg_id="chat-to-cancel"
            )
        )
        await eventually(lambda: len(deltas(client)) >= 3)
        client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="chat-to-cancel"))
        with pytest.raises(JsonRpcException, match="cancel"):
            await asyncio.wait_for(request, 10)
        await eventually(lambda: fake_ollama.counters.generations_cancelled == 1)
        # the conversation is still usable
        fake_ollama.clear_rules()
        fake_ollama.reply(ANSWER, endpoint="chat")
        again = await execute(client, "ollama.chat", {"conversationId": "z", "message": "Hi"})
    assert again["content"] == ANSWER
    assert fake_ollama.counters.tokens_after_disconnect == 0


async def test_history_is_trimmed_to_the_model_context(
    tmp_path: Path, fake_ollama: FakeOllama
) -> None:
    # about 1100 tokens a message: three exchanges overflow the 4096-token context
    fake_ollama.reply("ok", endpoint="chat")
    async with started(tmp_path / "s.db", fake_ollama, **SETTINGS) as client:
        for index in range(4):
            filler = f"question {index} " + "lorem ipsum " * 330
            await execute(client, "ollama.chat", {"conversationId": "long", "message": filler})
    last = chat_prompts(fake_ollama)[-1]
    assert "question 3" in last and "question 2" in last
    assert "question 0" not in last


@pytest.mark.parametrize("answer", ["Send it", "Leave it out", None])
async def test_a_private_document_goes_to_chat_only_when_the_user_says_so(
    tmp_path: Path, fake_ollama: FakeOllama, answer: str | None
) -> None:
    env = "file:///project/.env"
    code = "file:///project/app.py"
    async with started(tmp_path / "s.db", fake_ollama, **SETTINGS) as client:
        client.answers = [answer]  # type: ignore[attr-defined]
        open_document(client, env, "DB_PASSWORD=hunter2-0123456789\n", "dotenv")
        key = "sk-proj-abcdefghij0123456789ABCDEFGHIJklm"
        open_document(client, code, f'client = OpenAI(api_key="{key}")\n')
        await execute(client, "ollama.chat", {"message": "What is set?", "includeDocument": env})
        await execute(client, "ollama.chat", {"message": "Review", "includeDocument": code})
        asked = [q.message for q in client.questions]  # type: ignore[attr-defined]
    about_env, about_code = chat_prompts(fake_ollama)
    assert len(asked) == 1 and ".env looks like it holds secrets" in asked[0]
    assert ("hunter2-0123456789" in about_env) == (answer == "Send it")
    assert "What is set?" in about_env  # the question goes either way
    assert key not in about_code and 'api_key="<redacted>"' in about_code  # never asked
