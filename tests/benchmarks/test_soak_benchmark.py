"""The soak benchmark still runs end to end and finds the server alive and answering."""

from __future__ import annotations

import pytest

from benchmarks import soak


@pytest.mark.timeout(180)
async def test_a_short_soak_prints_every_row_and_nothing_goes_unanswered(
    capsys: pytest.CaptureFixture[str],
) -> None:
    healthy = await soak.main(soak.parse(["--minutes", "0.25", "--seed", "7"]))

    table = capsys.readouterr().out
    for row in ("requests sent / answered", "server crashes", "requests never answered",
                "answer time p50 / p99", "server RSS start / end"):  # fmt: skip
        assert f"| {row}" in table, row
    assert healthy, table
