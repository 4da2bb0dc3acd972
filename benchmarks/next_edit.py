"""Next edit: what the server adds on top of the model for one ``ollama/nextEdit``.

``python -m benchmarks.next_edit [--requests N] [--backend-ms MS]``

Against the project's Ollama emulator with a fixed first-token latency. 50 documents of 2,000
lines are open, ten of them edited (so the edit history holds events of several documents).
In one of them the user renames a parameter (a new name each time, so no cache answers), then
asks for the next edit; the emulator answers as Zeta would, with the use renamed too. Each
request through the server is followed by the exact ``/api/generate`` body it sent, replayed
straight to the emulator: the difference is the server's overhead (LSP, edit history, region,
prompt, parsing, diff, rules). The debounce is set to 0: it is a chosen wait, not overhead.
The emulator streams the rewrite at ``--tokens-per-second`` (200: a fast GPU; real models are
slower), so the client's work on each chunk overlaps the model's time as it does for real;
unthrottled, every chunk's parsing would be counted although no model is that fast.
Also the in-process cost of recording one keystroke in the history of a 2,000-line document.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import time
from typing import Any

import httpx
import ollama
from lsprotocol import types

from benchmarks._harness import Row, ServerSession, percentile, print_table, summary
from benchmarks.completion import python_document
from ollama_lsp.context import LineEdit
from ollama_lsp.nextedit import EditHistory
from tests.fake_ollama import FakeOllama

ZETA = "zeta:latest"
URI = "file:///bench/src/orders.py"
DEF_LINE = 1000
FUNCTION = [
    "def total(items, rate):",
    "    subtotal = sum(items)",
    "    return subtotal * rate",
]
WARM_UP = 10
_PARAMETER = re.compile(r"def total\(items, (\w+)\):")


def rename_use(region: str) -> str:
    """Zeta's answer: the use below takes the parameter's new name."""
    found = _PARAMETER.search(region)
    return region if found is None else re.sub(r"subtotal \* \w+", f"subtotal * {found[1]}", region)


def document() -> str:
    lines = python_document(0).split("\n")
    return "\n".join(lines[:DEF_LINE] + FUNCTION + lines[DEF_LINE:])


def settings(url: str) -> dict[str, Any]:
    return {
        "endpoints": [url],
        "completion": {"debounce": {"minMs": 0, "maxMs": 0}},
        "nextEdit": {"model": ZETA},
    }


def rename(session: ServerSession, old: str, new: str) -> None:
    """Select the parameter ``old`` on the def line and type ``new`` (one change)."""
    start = len("def total(items, ")
    session.versions[URI] += 1
    session.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(
                uri=URI, version=session.versions[URI]
            ),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=DEF_LINE, character=start),
                        end=types.Position(line=DEF_LINE, character=start + len(old)),
                    ),
                    text=new,
                )
            ],
        )
    )


async def next_edit(session: ServerSession, character: int) -> Any:
    params = {
        "textDocument": {"uri": URI},
        "position": {"line": DEF_LINE, "character": character},
    }
    return await session.client.protocol.send_request_async("ollama/nextEdit", params)


async def latency(fake: FakeOllama, requests: int) -> tuple[list[float], list[float]]:
    """Paired timings: each next edit through the server, then its body sent directly."""
    through, direct = [], []
    async with (
        ServerSession(settings(fake.url)) as session,
        httpx.AsyncClient(base_url=fake.url, timeout=30) as http,
    ):
        for index in range(1, 51):
            session.open(f"file:///bench/src/module_{index}.py", python_document(index))
        for index in range(1, 11):  # history in ten other documents
            session.insert(f"file:///bench/src/module_{index}.py", 10 * index, 0, "x = 1\n")
        session.open(URI, document())
        name = "rate"
        for i in range(WARM_UP + requests):
            new = f"rate_{i}"
            rename(session, name, new)
            name = new
            started = time.perf_counter()
            result = await next_edit(session, len("def total(items, ") + len(new))
            elapsed = time.perf_counter() - started
            assert result is not None and result.edits[0].newText.endswith(str(i)), result
            body = [r for r in fake.requests_to("/api/generate") if r.body.get("prompt")][-1].body
            started = time.perf_counter()
            async with http.stream("POST", "/api/generate", json=body) as response:
                async for _ in response.aiter_lines():
                    pass
            if i >= WARM_UP:
                through.append(elapsed)
                direct.append(time.perf_counter() - started)
    return through, direct


def keystroke_times(count: int = 2000) -> list[float]:
    """Seconds to record one keystroke in the history of a 2,000-line document."""
    history = EditHistory()
    text = document()
    history.opened(URI, text)
    times = []
    at = text.index("    subtotal = sum(items)")
    for i in range(count):
        if i % 50 == 0:  # now and then elsewhere: a group closes into a diff
            line = (i * 37) % 1900
            where = sum(len(x) + 1 for x in text.split("\n")[:line])
            text = text[:where] + "#" + text[where:]
            history.changed(URI, text, [LineEdit(line, line, 0)])
            continue
        at += 1 if at < len(text) else 0
        text = text[:at] + "a" + text[at:]
        started = time.perf_counter()
        history.changed(URI, text, [LineEdit(DEF_LINE + 1, DEF_LINE + 1, 0)])
        times.append(time.perf_counter() - started)
    return times


async def main(args: argparse.Namespace) -> None:
    with FakeOllama() as fake:
        fake.configure(
            first_token_seconds=args.backend_ms / 1000, tokens_per_second=args.tokens_per_second
        )
        ollama.Client(host=fake.url).create(model=ZETA, from_="qwen2.5-coder:1.5b-base")
        fake.add_rule(rewrite_region=rename_use)
        through, direct = await latency(fake, args.requests)
    keys = keystroke_times()

    s50, s99, _ = summary(through)
    d50, d99, _ = summary(direct)
    overhead = [(t - d) * 1000 for t, d in zip(through, direct, strict=True)]
    o50 = statistics.median(overhead)
    k50, k99, _ = summary(keys)
    rows = [
        Row("backend first-token latency (fixed)", f"{args.backend_ms:.0f} ms"),
        Row("direct to emulator p50 / p99", f"{d50:.1f} / {d99:.1f} ms"),
        Row("through the server p50 / p99", f"{s50:.1f} / {s99:.1f} ms"),
        Row("next-edit overhead p50 (paired), 50 docs open", f"{o50:.2f} ms", "<= 3 ms", o50 <= 3),
        Row("next-edit overhead p99 (paired)", f"{percentile(overhead, 99):.2f} ms"),
        Row("one keystroke into the history (in-process) p50 / p99", f"{k50:.3f} / {k99:.3f} ms"),
    ]
    print_table(f"Next edit, {args.requests} paired requests", rows)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--backend-ms", type=float, default=100)
    parser.add_argument("--tokens-per-second", type=float, default=200)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
