"""The routing benchmark still runs end to end (its numbers are not checked here: tests time
nothing; the counts it relies on are)."""

from __future__ import annotations

import pytest

from benchmarks import routing


@pytest.mark.timeout(300)
async def test_a_short_run_counts_prompt_tokens_and_latencies() -> None:
    tokens, p50_ms = await routing.run(2, editors=2, requests=3, slots=1)
    assert tokens > 0 and p50_ms > 0


@pytest.mark.timeout(300)
async def test_a_short_run_prints_every_row(capsys: pytest.CaptureFixture[str]) -> None:
    await routing.main(editors=2, requests=2, runs=1, slots=1)
    table = capsys.readouterr().out
    for row in ("affinity", "round-robin", "one endpoint 5x slower", "that endpoint removed"):
        assert row in table, row
