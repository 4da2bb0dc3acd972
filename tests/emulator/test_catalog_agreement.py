"""The server's catalog and the emulator's registry agree: every tag the editor offers to pull,
and the default models, can be pulled from the emulator and are what the catalog says."""

from __future__ import annotations

import httpx
import pytest

from ollama_lsp.models import catalog_items
from ollama_lsp.settings import Settings
from tests.fake_ollama import FakeOllama

ITEMS = catalog_items()


@pytest.fixture(scope="module")
def registry(fake_ollama_module: FakeOllama) -> FakeOllama:
    fake_ollama_module.set_pulled([])
    fake_ollama_module.configure(pull_bytes_per_second=1e15, progress_interval=0.001)
    return fake_ollama_module


def test_every_catalog_entry_can_be_pulled_and_is_what_the_catalog_says(
    registry: FakeOllama,
) -> None:
    with httpx.Client(base_url=registry.url, timeout=30) as http:
        failed = {}
        for item in ITEMS:
            pulled = http.post("/api/pull", json={"model": item.tag, "stream": False})
            if pulled.status_code != 200:
                failed[item.tag] = pulled.text
        assert failed == {}
        listed = {m["name"]: m for m in http.get("/api/tags").json()["models"]}
    for item in ITEMS:
        details = listed[item.tag]["details"]
        assert details["quantization_level"] == item.level.name, item.tag
        assert abs(listed[item.tag]["size"] - item.size_bytes) < 0.15 * item.size_bytes, item.tag


def test_the_default_models_can_be_pulled(registry: FakeOllama) -> None:
    defaults = Settings()
    with httpx.Client(base_url=registry.url, timeout=30) as http:
        for model in (defaults.completion.model, defaults.chat.model):
            pulled = http.post("/api/pull", json={"model": model, "stream": False})
            assert pulled.status_code == 200, (model, pulled.text)
