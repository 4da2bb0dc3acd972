"""Model management aimed at an OpenAI-compatible server: one clear message per command, as a
JSON-RPC error and a ``window/showMessage``, saying what such a server cannot do and what to
do instead (nothing is sent: the server knows from the settings)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pygls.exceptions import JsonRpcException

from tests.e2e.conftest import initialize
from tests.e2e.session import execute, start, stop, wait_for_message

VLLM = "http://127.0.0.1:9/v1"  # nothing listens: the refusal needs no answer from it
COMMANDS = [
    ("ollama.pullModel", {"model": "qwen2.5-coder:1.5b-base"}, "cannot pull models: start it"),
    ("ollama.deleteModel", {"model": "m", "confirm": True}, "cannot delete models: they are"),
    (
        "ollama.setQuantization",
        {"model": "qwen2.5-coder:1.5b-base", "level": "Q8_0"},
        "cannot quantize models: serve a quantized",
    ),
]


async def test_pull_delete_and_quantize_say_what_the_server_cannot_do(tmp_path: Path) -> None:
    client = await start(tmp_path / "s.db")
    try:
        await initialize(client, settings={"endpoints": [{"url": VLLM, "api": "openai"}]})
        for command, argument, expected in COMMANDS:
            with pytest.raises(JsonRpcException, match=re.escape(expected)) as caught:
                await execute(client, command, argument)
            told = await wait_for_message(client, expected)
            assert told.startswith(f"{VLLM} is an OpenAI-compatible server, which cannot")
            assert str(caught.value).count("OpenAI-compatible server") == 1
    finally:
        await stop(client)
