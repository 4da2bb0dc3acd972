"""The benchmark still runs end to end (its numbers are not checked here: tests time nothing)."""

from __future__ import annotations

import argparse

import pytest

from benchmarks import completion

ROWS = [
    "through the server p50 / p99",
    "ratio server / direct (p50)",
    "server overhead p50 (paired)",
    "generations per 20-key burst",
    "added wait at a pause",
    "typed-through cache hit rate",
    "context build, 50 x 2,000-line docs, p50 / p99",
    "server RSS with 50 documents open",
]


@pytest.mark.timeout(300)
async def test_a_short_run_prints_every_row(capsys: pytest.CaptureFixture[str]) -> None:
    await completion.main(
        argparse.Namespace(requests=3, backend_ms=20, real_model=False, choices=0)
    )

    table = capsys.readouterr().out
    assert "Inline completion, 3 paired requests" in table
    for row in ROWS:
        assert f"| {row}" in table, row
