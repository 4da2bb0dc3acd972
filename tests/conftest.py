"""Shared fixtures: ``fake_ollama`` (one emulator per test) and ``fake_ollama_module``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fake_ollama import FakeOllama


@pytest.fixture
def fake_ollama() -> Iterator[FakeOllama]:
    """A started Ollama emulator for one test; ``.url`` is its base URL."""
    with FakeOllama() as fake:
        yield fake


@pytest.fixture(scope="module")
def fake_ollama_module() -> Iterator[FakeOllama]:
    """One emulator for a whole module, reset to its starting state after each test that
    uses it."""
    with FakeOllama() as fake:
        yield fake


@pytest.fixture
def fake_ollama_shared(fake_ollama_module: FakeOllama) -> Iterator[FakeOllama]:
    """The module's emulator, reset after the test (cheaper than a new one per test)."""
    yield fake_ollama_module
    fake_ollama_module.reset()
