"""The features share services, not an order of registration: a server that registers them in
reverse order completes, lists, pulls, switches, quantizes, chats and reports as usual."""

from __future__ import annotations

import sys
from pathlib import Path

from lsprotocol import types

from tests.e2e.conftest import inline_params, open_document
from tests.e2e.session import execute, started
from tests.fake_ollama import FakeOllama

REVERSED = [sys.executable, "-m", "tests.e2e.reversed_server"]
COMPLETION = "qwen2.5-coder:1.5b-base"
CHAT = "codellama:7b-instruct"
FP16 = "tinyllama:1.1b-chat-v1-fp16"
URI = "file:///project/add.py"


async def test_features_registered_in_reverse_order_work_as_usual(
    tmp_path: Path, fake_ollama: FakeOllama
) -> None:
    fake_ollama.set_pulled([COMPLETION, FP16])
    fake_ollama.reply("return a + b", prefix_endswith="def add(a, b):\n    ")
    fake_ollama.reply("Use a dict.", endpoint="chat")
    store = tmp_path / "store.sqlite3"
    async with started(store, fake_ollama, command=REVERSED) as client:
        open_document(client, URI, "def add(a, b):\n    \n")
        completed = await client.text_document_inline_completion_async(inline_params(URI, 1, 4))
        listed = await execute(client, "ollama.listModels", {})
        client.answers.append("Pull")  # type: ignore[attr-defined]
        switched = await execute(client, "ollama.switchModel", {"model": CHAT, "role": "chat"})
        quantized = await execute(
            client,
            "ollama.setQuantization",
            {"model": FP16, "level": "q8_0", "role": "chat"},
        )
        answer = await execute(client, "ollama.chat", {"message": "How do I map keys?"})
        status = await execute(client, "ollama.status", {})
        titles = [
            report.title
            for reports in client.progress_reports.values()
            for report in reports
            if isinstance(report, types.WorkDoneProgressBegin)
        ]

    assert isinstance(completed, types.InlineCompletionList)
    assert [item.insert_text for item in completed.items] == ["return a + b"]
    assert sorted(m["name"] for m in listed["models"]) == sorted([COMPLETION, FP16])
    assert listed["catalog"] and listed["recommended"]
    assert (switched["model"], switched["role"]) == (CHAT, "chat")
    assert f"Pulling {CHAT}" in titles and f"Loading {CHAT}" in titles
    assert quantized["model"] == "tinyllama:1.1b-chat-v1-q8_0" and quantized["created"]
    assert (answer["content"], answer["model"]) == ("Use a dict.", "tinyllama:1.1b-chat-v1-q8_0")
    assert status["roles"] == {"completion": COMPLETION, "chat": "tinyllama:1.1b-chat-v1-q8_0"}
    assert status["store"] == str(store)
    assert status["memory"]["roles"]["chat"]["loaded"] is True
