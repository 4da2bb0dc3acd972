"""Suggestion quality: the corpus run end to end, the match rate per language and class.

``python -m benchmarks.quality [--language L] [--class C] [--per-group N] [--misses]``

Each case's document is opened in ``ollama-lsp`` (a subprocess over stdio, as an editor runs
it), the project's Ollama emulator answers the generation with the case's raw model output
(honouring ``options.stop`` and ``num_predict`` as Ollama does), and the suggestion the server
returns is compared with the expected one, exactly.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks._harness import ServerSession
from benchmarks.quality.corpus import CLASSES, Case, load_corpus
from tests.fake_ollama import FakeOllama

__all__ = ["Result", "main", "run_cases"]


@dataclass(frozen=True, slots=True)
class Result:
    case: Case
    got: str

    @property
    def matched(self) -> bool:
        return self.got == self.case.expected


def settings(url: str, model: str) -> dict[str, Any]:
    """Every language on, no debounce; a budget of 256 tokens because the emulator's word
    pieces outnumber a model's tokens: an output a model wrote within 128 is not cut here."""
    return {
        "endpoints": [url],
        "completion": {
            "model": model,
            "debounce": {"minMs": 0, "maxMs": 0},
            "disabledLanguages": [],
            "temperature": 0,
            "maxTokens": 256,
        },
    }


async def run_cases(cases: Sequence[Case]) -> list[Result]:
    """Every case through one server per model, against one emulator."""
    results: list[Result] = []
    by_model: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        by_model[case.model].append(case)
    with FakeOllama() as fake:
        for model, group in by_model.items():
            async with ServerSession(settings(fake.url, model)) as session:
                for index, case in enumerate(group):
                    fake.clear_rules()
                    fake.reply(case.output, exhausts_budget=case.truncated)
                    # A name of its own: the model sees it, so two cases with the same
                    # document never share the server's response cache.
                    stem, dot, extension = case.path.rsplit("/", 1)[-1].rpartition(".")
                    name = f"{stem}-{index}{dot}{extension}" if dot else f"{extension}-{index}"
                    uri = f"file:///project/{case.language}/{name}"
                    session.open(uri, case.text, case.language)
                    line, character = case.position
                    got = await session.inline(uri, line, character)
                    session.close(uri)
                    results.append(Result(case, got or ""))
    return results


def rate_table(title: str, rows: Iterable[tuple[str, list[Result]]]) -> str:
    lines = [f"| {title} | cases | matched | rate |", "|---|---:|---:|---:|"]
    for name, group in rows:
        matched = sum(r.matched for r in group)
        lines.append(f"| {name} | {len(group)} | {matched} | {matched / len(group):.0%} |")
    return "\n".join(lines)


def report(results: Sequence[Result], *, misses: bool) -> str:
    by_language: dict[str, list[Result]] = defaultdict(list)
    by_class: dict[str, list[Result]] = defaultdict(list)
    for result in results:
        by_language[result.case.language].append(result)
        by_class[result.case.klass].append(result)
    matched = sum(r.matched for r in results)
    parts = [
        f"Suggestion quality: {matched} of {len(results)} cases match "
        f"({matched / len(results):.1%}), {len(by_language)} languages",
        rate_table("language", sorted(by_language.items())),
        rate_table("class", [(c, by_class[c]) for c in CLASSES if c in by_class]),
    ]
    failed = [r for r in results if not r.matched]
    if misses and failed:
        lines = ["Misses:"]
        for r in sorted(failed, key=lambda r: (r.case.klass, r.case.language)):
            lines.append(f"- [{r.case.klass}] {r.case.language}: {r.case.name}")
            lines.append(f"    expected {r.case.expected!r}")
            lines.append(f"    got      {r.got!r}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def pick(cases: Sequence[Case], args: argparse.Namespace) -> list[Case]:
    chosen = [
        c
        for c in cases
        if (not args.language or c.language in args.language)
        and (not args.klass or c.klass in args.klass)
    ]
    if args.per_group:  # a few cases of every language and every class
        seen: Counter[str] = Counter()
        short = []
        for case in chosen:
            if seen[case.language] < args.per_group or seen[case.klass] < args.per_group:
                short.append(case)
                seen[case.language] += 1
                seen[case.klass] += 1
        chosen = short
    return chosen


async def main(args: argparse.Namespace) -> list[Result]:
    cases = pick(load_corpus(), args)
    started = time.perf_counter()
    results = await run_cases(cases)
    print(report(results, misses=args.misses))
    print(f"\n({len(results)} cases in {time.perf_counter() - started:.1f} s)")
    return results


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--language", action="append", help="only this language (repeatable)")
    p.add_argument("--class", dest="klass", action="append", help="only this class")
    p.add_argument("--per-group", type=int, default=0, help="a short run: N per language/class")
    p.add_argument("--misses", action="store_true", help="list every miss with both texts")
    return p


if __name__ == "__main__":
    asyncio.run(main(parser().parse_args()))
