"""Create with ``quantize``: accepted types (case-insensitive), sizes, and Ollama's errors."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.fake_ollama import FakeOllama

SOURCE = "tinyllama:1.1b-chat-v1-fp16"


def _create(fake: FakeOllama, **body: object) -> list[dict[str, object]]:
    response = httpx.post(f"{fake.url}/api/create", json=body)
    assert response.status_code == 200
    return [json.loads(line) for line in response.text.splitlines()]


def _show(fake: FakeOllama, name: str) -> dict[str, object]:
    shown: dict[str, object] = httpx.post(f"{fake.url}/api/show", json={"model": name}).json()
    return shown


@pytest.mark.parametrize(
    ("quantize", "level"),
    [
        ("q4_K_M", "Q4_K_M"),
        ("Q4_K_M", "Q4_K_M"),
        ("q4_k_m", "Q4_K_M"),
        ("q4_K", "Q4_K_M"),
        ("q4_K_S", "Q4_K_S"),
        ("q8_0", "Q8_0"),
        ("f16", "F16"),
        ("F32", "F32"),
        ("bf16", "BF16"),
    ],
)
def test_quantize_accepts_the_reference_types(
    fake_ollama_shared: FakeOllama, quantize: str, level: str
) -> None:
    lines = _create(fake_ollama_shared, model="tiny-custom", **{"from": SOURCE}, quantize=quantize)

    assert lines[0] == {"status": "parsing GGUF"}
    assert lines[1]["status"] == f"quantizing F16 model to {level}"
    assert lines[-2:] == [{"status": "writing manifest"}, {"status": "success"}]
    details = _show(fake_ollama_shared, "tiny-custom")["details"]
    assert isinstance(details, dict) and details["quantization_level"] == level


def test_a_quantized_model_is_smaller_and_listed(fake_ollama_shared: FakeOllama) -> None:
    _create(fake_ollama_shared, model="tiny-q4", **{"from": SOURCE}, quantize="q4_K_M")

    tags = {m["name"]: m for m in httpx.get(f"{fake_ollama_shared.url}/api/tags").json()["models"]}

    assert tags["tiny-q4:latest"]["size"] < tags[SOURCE]["size"] / 3
    assert tags["tiny-q4:latest"]["digest"] != tags[SOURCE]["digest"]
    progress = [
        line
        for line in _create(
            fake_ollama_shared, model="tiny-q8", **{"from": SOURCE}, quantize="q8_0"
        )
        if "total" in line
    ]
    assert progress[-1]["completed"] == progress[-1]["total"]


@pytest.mark.parametrize("quantize", ["q5_K_M", "q4_0", "Q2_K", "int8"])
def test_other_types_fail_in_the_stream(fake_ollama_shared: FakeOllama, quantize: str) -> None:
    lines = _create(fake_ollama_shared, model="x", **{"from": SOURCE}, quantize=quantize)

    assert lines[-1] == {
        "error": f"unsupported quantization type {quantize.upper()} - supported types are "
        "F32, F16, Q4_K_S, Q4_K_M, Q8_0"
    }
    assert "x:latest" not in fake_ollama_shared.installed()


def test_create_without_quantize_copies_with_a_new_system(fake_ollama_shared: FakeOllama) -> None:
    lines = _create(fake_ollama_shared, model="tiny-pirate", **{"from": "tinyllama"}, system="Arr")

    shown = _show(fake_ollama_shared, "tiny-pirate")
    assert shown["system"] == "Arr"
    assert any(str(line["status"]).startswith("creating new layer sha256:") for line in lines)
    assert any(str(line["status"]).startswith("using existing layer sha256:") for line in lines)
