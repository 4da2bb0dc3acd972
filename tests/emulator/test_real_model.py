"""The real-model engine: a GGUF served by llama-cpp-python behind the same API."""

from __future__ import annotations

import json
import socket
import time
import urllib.parse
from collections.abc import Iterator

import ollama
import pytest

from tests.fake_ollama import FakeOllama

pytestmark = pytest.mark.real_model

MODEL = "gemma3:270m"
GREEDY = {"temperature": 0, "num_predict": 4}


@pytest.fixture(scope="module")
def real() -> Iterator[FakeOllama]:
    with FakeOllama() as fake:
        fake.use_real_model(MODEL)
        yield fake


@pytest.fixture
def client(real: FakeOllama) -> ollama.Client:
    real.clear_requests()
    return ollama.Client(host=real.url)


def test_streams_real_tokens_with_real_metrics(client: ollama.Client) -> None:
    chunks = list(client.generate(MODEL, "The capital of France is", stream=True, options=GREEDY))

    final = chunks[-1]
    text = "".join(c.response or "" for c in chunks)
    assert final.done and final.done_reason in ("length", "stop")
    assert final.eval_count == len(chunks) - 1 <= GREEDY["num_predict"]
    assert text.strip()
    assert final.prompt_eval_count and final.prompt_eval_duration and final.eval_duration


def test_greedy_decoding_is_repeatable(client: ollama.Client) -> None:
    first = client.generate(MODEL, "1, 2, 3, 4,", raw=True, options=GREEDY)
    second = client.generate(MODEL, "1, 2, 3, 4,", raw=True, options=GREEDY)

    assert first.response == second.response


def test_kv_cache_reuse_shows_in_prompt_eval_count(client: ollama.Client) -> None:
    shared = "def fibonacci(n):\n    " * 5
    first = client.generate(MODEL, shared + "a = 1", raw=True, options=GREEDY)
    second = client.generate(MODEL, shared + "b = 2", raw=True, options=GREEDY)
    fresh = client.generate(MODEL, "# Unrelated\n" + shared + "a = 1", raw=True, options=GREEDY)

    assert first.prompt_eval_count is not None and second.prompt_eval_count is not None
    assert second.prompt_eval_count < first.prompt_eval_count / 4
    assert fresh.prompt_eval_count is not None and fresh.prompt_eval_count > first.prompt_eval_count


def test_raw_fim_goes_through_as_text_and_templated_fim_renders(
    client: ollama.Client, real: FakeOllama
) -> None:
    raw_prompt = "<PRE> def add(a, b):\n    return  <SUF>\n <MID>"
    client.generate(MODEL, raw_prompt, raw=True, options=GREEDY)
    client.generate(MODEL, "def add(a, b):\n    return ", suffix="\n", options=GREEDY)
    client.chat(MODEL, messages=[{"role": "user", "content": "hi"}], options=GREEDY)

    raw, templated, chat = real.requests[-3:]
    assert raw.prompt == raw_prompt and raw.fim_prefix == "def add(a, b):\n    return "
    assert templated.prompt == raw_prompt
    assert chat.prompt == "<start_of_turn>user\nhi<end_of_turn>\n<start_of_turn>model\n"


def test_listed_with_metadata_from_the_gguf(client: ollama.Client) -> None:
    shown = client.show(MODEL)

    assert shown.details is not None and shown.details.family == "gemma3"
    assert shown.modelinfo is not None and shown.modelinfo["gemma3.context_length"] == 32768


def test_disconnect_stops_the_real_model(real: FakeOllama) -> None:
    client = ollama.Client(host=real.url)
    before = real.counters.tokens_generated

    stream = client.generate(MODEL, "Count: 1, 2, 3,", stream=True, options={"num_predict": 200})
    next(iter(stream))
    stream.close()  # type: ignore[attr-defined]
    client.generate(MODEL, "x", options={"num_predict": 1})  # waits for the model's lock

    assert real.counters.tokens_generated - before < 50
    # At most the token in flight when the client left.
    assert real.counters.tokens_after_disconnect <= 1


def test_a_prompt_cancelled_while_evaluated_stops_at_a_batch(real: FakeOllama) -> None:
    long_prompt = "".join(f"line_{i} = compute({i}, total)\n" for i in range(400))  # ~4 batches
    body = json.dumps({"model": MODEL, "prompt": long_prompt, "raw": True, "options": GREEDY})
    real.clear_requests()
    address = urllib.parse.urlsplit(real.url)
    with socket.create_connection((address.hostname, address.port)) as connection:
        connection.sendall(
            f"POST /api/generate HTTP/1.1\r\nHost: {address.netloc}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body.encode())}\r\n\r\n{body}".encode()
        )
        while not real.requests_to("/api/generate"):
            time.sleep(0.01)
        time.sleep(0.3)  # evaluating the prompt; the client leaves before the first token
    again = ollama.Client(host=real.url).generate(
        MODEL, long_prompt, raw=True, options={**GREEDY, "num_predict": 1}
    )

    # The runner stopped evaluating when its client left: the second request still had part
    # of the prompt to evaluate (had the first one gone on, all of it would be cached).
    assert again.prompt_eval_count is not None and again.prompt_eval_count > 1
    assert real.counters.tokens_after_disconnect == 0
