"""Shared fixtures: the Ollama emulator (``fake_ollama`` and friends), and the skip rule for
tests marked ``real_model``."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.fake_ollama import FakeOllama, real_model_missing


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip ``@pytest.mark.real_model`` tests, with the reason, where the extra is missing."""
    reason = real_model_missing()
    if reason is None:
        return
    for item in items:
        if item.get_closest_marker("real_model") is not None:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session", autouse=True)
def _private_data_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Servers, editors and the CLI started by tests keep their model store in a temporary
    data directory and read no settings file of the user's own."""
    previous = {name: os.environ.get(name) for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME")}
    for name in previous:
        os.environ[name] = str(tmp_path_factory.mktemp(name.lower()))
    yield
    for name, value in previous.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def fake_ollama() -> Iterator[FakeOllama]:
    """A started Ollama emulator for one test; ``.url`` is its base URL."""
    with FakeOllama() as fake:
        yield fake


@pytest.fixture(scope="module")
def fake_ollama_module() -> Iterator[FakeOllama]:
    """One emulator for a whole module (state carries over between tests)."""
    with FakeOllama() as fake:
        yield fake


@pytest.fixture
def fake_ollama_shared(fake_ollama_module: FakeOllama) -> Iterator[FakeOllama]:
    """The module's emulator, reset to its starting state after the test: cheaper than a new
    one per test."""
    yield fake_ollama_module
    fake_ollama_module.reset()
