"""The emulator as a child process, driven through its ``/_fake`` control channel."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.fake_ollama import FakeOllamaProcess

CONFIG = {
    "pulled": ["codellama:7b-code", "tinyllama:latest"],
    "rules": [{"reply": "from the config file", "model": "tinyllama"}],
}


@pytest.fixture(scope="module")
def process() -> Iterator[FakeOllamaProcess]:
    with FakeOllamaProcess(CONFIG) as running:
        yield running


@pytest.fixture
def fake(process: FakeOllamaProcess) -> Iterator[FakeOllamaProcess]:
    yield process
    process.reset()


def test_the_config_file_sets_models_and_rules(fake: FakeOllamaProcess) -> None:
    tags = httpx.get(f"{fake.url}/api/tags").json()["models"]
    reply = httpx.post(
        f"{fake.url}/api/generate", json={"model": "tinyllama", "prompt": "x", "stream": False}
    ).json()

    assert {m["name"] for m in tags} == {"codellama:7b-code", "tinyllama:latest"}
    assert reply["response"] == "from the config file"


def test_rules_faults_and_records_over_the_channel(fake: FakeOllamaProcess) -> None:
    fake.add_rule(reply="a + b", prefix_endswith="return ")
    fake.add_fault("status", status=503, path="/api/chat", times=1)

    generated = httpx.post(
        f"{fake.url}/api/generate",
        json={"model": "codellama:7b-code", "prompt": "return ", "suffix": "\n", "stream": False},
    ).json()
    busy = httpx.post(f"{fake.url}/api/chat", json={"model": "tinyllama", "messages": []})

    assert generated["response"] == "a + b"
    assert busy.status_code == 503
    (record,) = fake.requests("/api/generate")
    assert record["fim_prefix"] == "return " and record["body"]["suffix"] == "\n"
    assert fake.counters()["generations_completed"] == 1


def test_config_changes_and_reset(fake: FakeOllamaProcess) -> None:
    fake.configure(default_reply="changed")
    changed = httpx.post(
        f"{fake.url}/api/generate",
        json={"model": "codellama:7b-code", "prompt": "x", "stream": False},
    ).json()
    fake.reset()
    restored = httpx.post(
        f"{fake.url}/api/generate",
        json={"model": "codellama:7b-code", "prompt": "x", "stream": False},
    ).json()

    assert changed["response"] == "changed"
    assert restored["response"] == "This is a scripted reply."
    assert len(fake.requests("/api/generate")) == 1  # the reset cleared the first record


def test_refusal_over_the_channel_ends_by_itself(fake: FakeOllamaProcess) -> None:
    fake.admin("POST", "/connections", {"mode": "refuse", "seconds": 0.2})

    with pytest.raises(httpx.ConnectError):
        httpx.get(fake.url)
    with httpx.Client(transport=httpx.HTTPTransport(retries=50)) as client:
        assert client.get(fake.url).text == "Ollama is running"


def test_bad_admin_input_is_a_400(fake: FakeOllamaProcess) -> None:
    with pytest.raises(httpx.HTTPStatusError):
        fake.add_rule(reply="x", no_such_field=1)
    with pytest.raises(httpx.HTTPStatusError):
        fake.configure(no_such_key=1)
    with pytest.raises(httpx.HTTPStatusError):
        fake.add_fault("no_such_kind")


def test_models_over_the_channel(fake: FakeOllamaProcess) -> None:
    replaced = fake.admin("POST", "/models", {"pulled": ["starcoder2:3b"]})
    httpx.post(f"{fake.url}/api/generate", json={"model": "starcoder2:3b"})

    listed = fake.admin("GET", "/models")

    assert replaced["installed"] == ["starcoder2:3b"]
    assert listed == {"installed": ["starcoder2:3b"], "partial": {}, "loaded": ["starcoder2:3b"]}
    with pytest.raises(httpx.HTTPStatusError):
        fake.admin("POST", "/models", {"pulled": ["not-in-the-catalog"]})
