"""Injected faults, and generation stopping when the client goes away."""

from __future__ import annotations

import json

import httpx
import ollama
import pytest

from tests.emulator._waiting import wait_until
from tests.fake_ollama import FakeOllama

LONG_REPLY = " ".join(f"word{i}" for i in range(200))


def _generate(fake: FakeOllama, **extra: object) -> httpx.Response:
    return httpx.post(
        f"{fake.url}/api/generate", json={"model": "tinyllama", "prompt": "x", **extra}
    )


def test_client_disconnect_stops_generation(fake_ollama: FakeOllama) -> None:
    fake_ollama.reply(LONG_REPLY, tokens_per_second=100)

    with httpx.stream(
        "POST", f"{fake_ollama.url}/api/generate", json={"model": "tinyllama", "prompt": "x"}
    ) as response:
        lines = response.iter_lines()
        for _ in range(3):
            next(lines)
    wait_until(lambda: fake_ollama.counters.generations_cancelled == 1)

    counters = fake_ollama.counters
    assert counters.tokens_after_disconnect == 0
    assert counters.tokens_generated < 200
    assert counters.generations_completed == 0
    (record,) = fake_ollama.requests_to("/api/generate")
    assert record.disconnected and record.tokens_generated == counters.tokens_generated


def test_disconnect_during_a_non_streamed_generation_stops_it(fake_ollama: FakeOllama) -> None:
    fake_ollama.reply(LONG_REPLY, tokens_per_second=100)

    with pytest.raises(httpx.ReadTimeout):
        httpx.post(
            f"{fake_ollama.url}/api/generate",
            json={"model": "tinyllama", "prompt": "x", "stream": False},
            timeout=0.1,
        )
    wait_until(lambda: fake_ollama.counters.generations_cancelled == 1)

    assert fake_ollama.counters.tokens_after_disconnect == 0


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (500, "an error was encountered while running the model"),
        (503, "server busy, please try again.  maximum pending requests exceeded"),
    ],
)
def test_status_faults(fake_ollama: FakeOllama, status: int, error: str) -> None:
    fake_ollama.add_fault("status", status=status, path="/api/generate")

    failed = _generate(fake_ollama)
    recovered = _generate(fake_ollama)

    assert (failed.status_code, failed.json()) == (status, {"error": error})
    assert recovered.status_code == 200


def test_first_byte_delay(fake_ollama: FakeOllama) -> None:
    fake_ollama.add_fault("delay", seconds=0.2, path="/api/chat")

    httpx.post(
        f"{fake_ollama.url}/api/chat",
        json={"model": "tinyllama", "messages": [{"role": "user", "content": "x"}]},
    )

    (record,) = fake_ollama.requests_to("/api/chat")
    assert record.first_byte is not None and record.first_byte - record.started >= 0.2


def test_stall_mid_stream_until_the_client_gives_up(fake_ollama: FakeOllama) -> None:
    fake_ollama.add_fault("stall", after_chunks=2)
    received: list[str] = []

    with (
        pytest.raises(httpx.ReadTimeout),
        httpx.stream(
            "POST",
            f"{fake_ollama.url}/api/generate",
            json={"model": "tinyllama", "prompt": "x"},
            timeout=httpx.Timeout(5, read=0.3),
        ) as response,
    ):
        for line in response.iter_lines():
            received.append(line)
    wait_until(lambda: fake_ollama.counters.generations_cancelled == 1)

    assert len(received) == 2
    assert fake_ollama.counters.tokens_after_disconnect == 0


def test_a_timed_stall_resumes(fake_ollama: FakeOllama) -> None:
    fake_ollama.add_fault("stall", after_chunks=1, seconds=0.1)

    lines = _generate(fake_ollama).text.splitlines()

    assert json.loads(lines[-1])["done"] is True


def test_cut_mid_stream(fake_ollama: FakeOllama) -> None:
    fake_ollama.add_fault("cut", after_chunks=2)
    received: list[str] = []

    with (
        pytest.raises(httpx.RemoteProtocolError),
        httpx.stream(
            "POST", f"{fake_ollama.url}/api/generate", json={"model": "tinyllama", "prompt": "x"}
        ) as response,
    ):
        for line in response.iter_lines():
            received.append(line)

    assert len(received) == 2
    wait_until(lambda: fake_ollama.counters.generations_cancelled == 1)


def test_malformed_line_reaches_the_client(fake_ollama: FakeOllama) -> None:
    fake_ollama.add_fault("malformed", after_chunks=1)

    lines = _generate(fake_ollama).text.splitlines()

    assert lines[1] == '{"model":"broken","created_at":'
    with pytest.raises(json.JSONDecodeError):
        json.loads(lines[1])
    assert json.loads(lines[-1])["done"] is True


def test_mid_stream_error_line_keeps_status_200(fake_ollama: FakeOllama) -> None:
    fake_ollama.add_fault("error_line", after_chunks=2, message="boom")
    client = ollama.Client(host=fake_ollama.url)

    response = _generate(fake_ollama)
    fake_ollama.add_fault("error_line", after_chunks=1, message="boom")
    with pytest.raises(ollama.ResponseError) as error:
        list(client.generate("tinyllama", "x", stream=True))

    assert response.status_code == 200
    assert json.loads(response.text.splitlines()[-1]) == {"error": "boom"}
    assert len(response.text.splitlines()) == 3
    assert (error.value.error, error.value.status_code) == ("boom", -1)


def test_error_line_without_streaming_is_a_500(fake_ollama: FakeOllama) -> None:
    fake_ollama.add_fault("error_line", message="boom")

    response = _generate(fake_ollama, stream=False)

    assert (response.status_code, response.json()) == (500, {"error": "boom"})


def test_refused_connections_come_back(fake_ollama: FakeOllama) -> None:
    fake_ollama.refuse_connections()

    with pytest.raises(httpx.ConnectError):
        httpx.get(fake_ollama.url)
    fake_ollama.accept_connections()

    wait_until(lambda: _answers(fake_ollama))


def test_refusal_closes_open_keep_alive_connections(fake_ollama: FakeOllama) -> None:
    with httpx.Client(base_url=fake_ollama.url) as client:
        client.get("/")
        fake_ollama.refuse_connections(seconds=0.3)

        with pytest.raises(httpx.ConnectError):
            client.get("/")
        wait_until(lambda: _answers(fake_ollama))


def test_dropped_connections(fake_ollama: FakeOllama) -> None:
    fake_ollama.drop_connections(count=1)

    # Closed before reading the request: a reset or an empty answer, depending on timing.
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        httpx.get(fake_ollama.url)

    assert httpx.get(fake_ollama.url).text == "Ollama is running"


def _answers(fake: FakeOllama) -> bool:
    try:
        return httpx.get(fake.url).status_code == 200
    except httpx.TransportError:
        return False
