"""The quality benchmark still runs end to end, and its corpus stays sound."""

from __future__ import annotations

import pytest

from benchmarks.quality import __main__ as quality
from benchmarks.quality.corpus import CLASSES, load_corpus


def test_the_corpus_is_wide_and_well_formed() -> None:
    cases = load_corpus()
    assert len(cases) >= 200
    assert len({case.language for case in cases}) >= 15
    assert {case.klass for case in cases} == set(CLASSES)


@pytest.mark.timeout(300)
async def test_a_short_run_prints_every_language_and_class(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = quality.parser().parse_args(["--per-group", "1", "--misses"])
    results = await quality.main(args)

    table = capsys.readouterr().out
    languages = {case.language for case in load_corpus()}
    assert {result.case.language for result in results} == languages
    for name in (*languages, *CLASSES):
        assert f"| {name} |" in table, name
    # The bar; a miss is printed with both texts, so a failure here says which.
    matched = sum(result.matched for result in results)
    assert matched >= 0.95 * len(results), table
