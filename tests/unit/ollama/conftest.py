"""Fixtures shared by the client tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import respx

from tests.unit.ollama.helpers import HOST


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    """respx routes on the default endpoint; every route must be called."""
    with respx.mock(base_url=HOST) as router:
        yield router
