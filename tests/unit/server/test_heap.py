import gc
from collections.abc import Iterator

import pytest

from ollama_lsp.server.heap import YOUNG_THRESHOLD, settle_heap


@pytest.fixture
def restore_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restore_gc")
def test_startup_objects_are_frozen_and_young_collections_are_rarer() -> None:
    gc.unfreeze()
    _, middle, oldest = gc.get_threshold()

    settle_heap()

    assert gc.get_freeze_count() > 1000  # the imported modules' objects, at least
    assert gc.get_threshold() == (YOUNG_THRESHOLD, middle, oldest)
