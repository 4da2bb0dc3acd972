"""Every endpoint through the official ``ollama`` client: its typed responses must parse."""

from __future__ import annotations

from datetime import datetime

import ollama
import pytest

from tests.fake_ollama import FakeOllama


@pytest.fixture
def client(fake_ollama_shared: FakeOllama) -> ollama.Client:
    return ollama.Client(host=fake_ollama_shared.url)


@pytest.fixture
def async_client(fake_ollama_shared: FakeOllama) -> ollama.AsyncClient:
    return ollama.AsyncClient(host=fake_ollama_shared.url)


def test_generate_streams_typed_chunks_and_metrics(
    client: ollama.Client, fake_ollama_shared: FakeOllama
) -> None:
    fake_ollama_shared.reply("def add(a, b): return a + b")

    chunks = list(client.generate("codellama:7b-code", "# add two numbers\n", stream=True))

    assert "".join(c.response or "" for c in chunks) == "def add(a, b): return a + b"
    assert [c.done for c in chunks] == [False] * (len(chunks) - 1) + [True]
    final = chunks[-1]
    assert final.done_reason == "stop"
    assert final.eval_count == len(chunks) - 1
    assert final.total_duration and final.prompt_eval_count and final.context
    assert isinstance(final.created_at, str)


def test_fim_with_suffix_and_stop(client: ollama.Client, fake_ollama_shared: FakeOllama) -> None:
    fake_ollama_shared.reply("a + b<EOT> trailing", fim=True)

    response = client.generate(
        "codellama:7b-code", "def add(a, b):\n    return ", suffix="\n", options={"stop": ["<EOT>"]}
    )

    assert response.response == "a + b"
    assert response.done_reason == "stop"


def test_chat_non_streaming_and_streaming(client: ollama.Client) -> None:
    messages = [{"role": "user", "content": "hello"}]

    whole = client.chat("tinyllama", messages=messages)
    parts = list(client.chat("tinyllama", messages=messages, stream=True))

    assert whole.message.role == "assistant"
    assert whole.message.content == "".join(p.message.content or "" for p in parts)
    assert parts[-1].done and parts[-1].done_reason == "stop"


def test_list_show_ps(client: ollama.Client) -> None:
    client.generate("tinyllama", "")  # load

    listed = {m.model: m for m in client.list().models}
    shown = client.show("codellama:7b-code")
    running = client.ps().models

    assert listed["tinyllama:latest"].size == 637_700_138
    assert listed["tinyllama:latest"].details is not None
    assert listed["tinyllama:latest"].details.quantization_level == "Q4_0"
    assert isinstance(listed["tinyllama:latest"].modified_at, datetime)
    assert shown.modelinfo is not None and shown.modelinfo["llama.context_length"] == 16384
    assert shown.capabilities == ["completion", "insert"]
    assert shown.template is not None and ".Suffix" in shown.template
    assert [m.model for m in running] == ["tinyllama:latest"]
    assert running[0].expires_at is not None and running[0].size_vram == 0


def test_pull_copy_delete_create_embed(client: ollama.Client) -> None:
    statuses = [p.status for p in client.pull("tinyllama:1.1b-chat-v1-q8_0", stream=True)]
    copied = client.copy("tinyllama", "my-tiny")
    created = list(
        client.create("tiny-q8", from_="tinyllama:1.1b-chat-v1-fp16", quantize="q8_0", stream=True)
    )
    deleted = client.delete("my-tiny")
    embedded = client.embed("nomic-embed-text", input=["one", "two"])

    assert statuses[0] == "pulling manifest" and statuses[-1] == "success"
    assert copied.status == "success" and deleted.status == "success"
    assert created[-1].status == "success"
    names = {m.model for m in client.list().models}
    assert {"tinyllama:1.1b-chat-v1-q8_0", "tiny-q8:latest"} <= names
    assert "my-tiny:latest" not in names
    assert len(embedded.embeddings) == 2 and len(embedded.embeddings[0]) == 768


def test_errors_surface_as_response_errors(client: ollama.Client) -> None:
    with pytest.raises(ollama.ResponseError) as missing:
        client.generate("llama9", "hi")
    with pytest.raises(ollama.ResponseError) as insert:
        client.generate("codellama:7b-instruct", "x", suffix="y")
    with pytest.raises(ollama.ResponseError) as pull:
        client.pull("no-such-model", stream=False)

    assert (missing.value.status_code, missing.value.error) == (404, "model 'llama9' not found")
    assert insert.value.status_code == 400
    assert insert.value.error == (
        "registry.ollama.ai/library/codellama:7b-instruct does not support insert"
    )
    assert (pull.value.status_code, pull.value.error) == (
        500,
        "pull model manifest: file does not exist",
    )


async def test_async_client_generate_chat_list_show_ps(
    async_client: ollama.AsyncClient, fake_ollama_shared: FakeOllama
) -> None:
    fake_ollama_shared.reply("pong", prompt_contains="ping")

    generated = await async_client.generate("qwen2.5-coder:1.5b-base", "ping")
    stream = await async_client.chat(
        "tinyllama", messages=[{"role": "user", "content": "ping"}], stream=True
    )
    streamed = [c async for c in stream]
    listed = await async_client.list()
    shown = await async_client.show("qwen2.5-coder:1.5b-base")
    running = await async_client.ps()

    assert generated.response == "pong"
    assert "".join(c.message.content or "" for c in streamed) == "pong"
    assert any(m.model == "qwen2.5-coder:1.5b-base" for m in listed.models)
    assert shown.details is not None and shown.details.family == "qwen2"
    assert {m.model for m in running.models} == {"qwen2.5-coder:1.5b-base", "tinyllama:latest"}


async def test_async_pull_stream_and_unknown_model(async_client: ollama.AsyncClient) -> None:
    progress = [p async for p in await async_client.pull("starcoder2:7b", stream=True)]

    with pytest.raises(ollama.ResponseError) as error:
        async for _ in await async_client.pull("no-such-model", stream=True):
            pass

    assert progress[-1].status == "success"
    assert any(p.completed == p.total and p.total for p in progress)
    assert error.value.error == "pull model manifest: file does not exist"
