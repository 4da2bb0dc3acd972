"""``stats``: what became of the suggestions shown, per kind, language and model.

Read from the model store the server writes (on this machine; nothing is sent anywhere). The
rates are shares of the shown suggestions: accepted whole, partly (a word or a line taken),
dismissed; the rest were not reported by the editor.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ollama_lsp.store import ModelStore, OutcomeCounts, add_up, default_store_path

__all__ = ["configure", "run"]

_HEADER = ("LANGUAGE", "MODEL", "SHOWN", "ACCEPTED", "PARTLY", "DISMISSED")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        help="the model store file (default: OLLAMA_LSP_STORE, else the user data directory)",
    )


def _percent(counts: OutcomeCounts, outcome: str) -> str:
    rate = counts.rate(outcome)
    return "-" if rate is None else f"{rate:.0%}"


def _summary(kind: str, rows: list[OutcomeCounts]) -> str:
    total = add_up(rows, kind=kind)
    return (
        f"{kind}: {total.shown} shown, {_percent(total, 'accepted')} accepted, "
        f"{_percent(total, 'partial')} partly accepted, {_percent(total, 'dismissed')} dismissed"
    )


def _table(rows: list[OutcomeCounts]) -> list[str]:
    cells = [_HEADER] + [
        (
            r.language or "?",
            r.model,
            str(r.shown),
            _percent(r, "accepted"),
            _percent(r, "partial"),
            _percent(r, "dismissed"),
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(_HEADER))]
    return [
        "  "
        + "  ".join(
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in cells
    ]


def run(args: argparse.Namespace) -> int:
    path = args.store or default_store_path()
    if str(path) != ":memory:" and not Path(path).exists():
        print(f"no suggestion shown yet (no store at {path})")
        return 0
    with ModelStore.open(path) as store:
        rows = store.outcomes()
    if not rows:
        print("no suggestion shown yet: the counts start once an editor shows one")
        return 0
    print(f"What became of the suggestions shown (counted on this machine, in {path}):")
    for kind in sorted({r.kind for r in rows}):
        mine = [r for r in rows if r.kind == kind]
        print()
        print(_summary(kind, mine))
        for line in _table(mine):
            print(line)
    return 0
