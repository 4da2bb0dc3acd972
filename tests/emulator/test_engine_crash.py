"""A model's runner that dies ends its request with Ollama's error; the emulator keeps serving."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import httpx
import ollama
import pytest

from tests.fake_ollama import FakeOllama, real_model_missing

MODEL = "gemma3:270m"
SEGFAULT = "llama runner process has terminated: signal: segmentation fault"
needs_real_model = pytest.mark.skipif(
    real_model_missing() is not None, reason=str(real_model_missing())
)


def _stream(url: str, model: str, num_predict: int) -> httpx.Response:
    body = {"model": model, "prompt": "Count: 1, 2, 3,", "raw": True,
            "options": {"num_predict": num_predict, "temperature": 0}}  # fmt: skip
    return httpx.post(f"{url}/api/generate", json=body, timeout=120)


def test_a_scripted_crash_mid_stream_is_an_error_line_then_the_next_request_is_served(
    fake_ollama: FakeOllama,
) -> None:
    fake_ollama.reply("one two three four five six")
    fake_ollama.add_fault("crash", path="/api/generate", after_chunks=2)
    client = ollama.Client(host=fake_ollama.url)

    with pytest.raises(ollama.ResponseError) as raised:
        list(client.generate("tinyllama", "count", stream=True))

    assert raised.value.error == SEGFAULT
    assert client.generate("tinyllama", "count").response == "one two three four five six"


def test_a_crash_before_the_first_token_keeps_its_500(fake_ollama: FakeOllama) -> None:
    fake_ollama.add_fault("crash", path="/api/generate")

    answer = _stream(fake_ollama.url, "tinyllama", 5)

    assert answer.status_code == 500
    assert answer.json() == {"error": SEGFAULT}
    assert fake_ollama.loaded() == []  # Ollama drops the runner that died


@pytest.fixture(scope="module")
def real() -> Iterator[FakeOllama]:
    with FakeOllama() as fake:
        fake.use_real_model(MODEL)
        yield fake


@needs_real_model
@pytest.mark.real_model
def test_the_real_runner_really_crashing_gives_ollamas_error(real: FakeOllama) -> None:
    before = real.runner_pid(MODEL)
    real.add_fault("crash", path="/api/generate", after_chunks=1)

    answer = _stream(real.url, MODEL, 20)
    lines = answer.text.splitlines()

    assert answer.status_code == 200  # headers went out with the first token
    assert lines[-1] == '{"error":"' + SEGFAULT + '"}'
    assert _stream(real.url, MODEL, 3).status_code == 200
    assert real.runner_pid(MODEL) not in (None, before)  # a new runner took over


@needs_real_model
@pytest.mark.real_model
def test_killing_the_runner_mid_generation_fails_only_that_request(real: FakeOllama) -> None:
    body = {"model": MODEL, "prompt": "Count: 1, 2, 3,", "raw": True,
            "options": {"num_predict": 400, "temperature": 0}}  # fmt: skip
    with httpx.stream("POST", f"{real.url}/api/generate", json=body, timeout=120) as answer:
        lines = answer.iter_lines()
        assert '"done":false' in next(lines)
        pid = real.runner_pid(MODEL)
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        rest = list(lines)

    assert rest[-1] == '{"error":"llama runner process has terminated: signal: killed"}'
    again = ollama.Client(host=real.url).generate(MODEL, "1, 2,", raw=True,
                                                  options={"num_predict": 2})  # fmt: skip
    assert again.done and again.eval_count
