"""Real model on a laptop CPU: how long the first suggestion takes in a small and a big file,
after the file has been idle, and from accepting a suggestion to the next one; and how many
generated tokens were never shown.

Run through ``python -m benchmarks.completion --real-model``. The emulator serves the gemma3
270M GGUF with llama.cpp in a runner process (one generation at a time, the KV cache of the
last prompt kept, as in Ollama), with the chat template Ollama ships for it (no FIM: the server
sends the text before the cursor). Every session is a new server process; all of them share one
model store, so from the second session on the server knows the model's speeds, as it does for
a user on their second day.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from benchmarks._harness import Row, ServerSession
from tests.fake_ollama import FakeOllama

MODEL = "gemma3:270m"
#: How long the user reads a suggestion before accepting it (seconds).
READING = 2.0
#: How long a freshly opened file rests before the user asks (the issue's "idle for 3 s").
IDLE = 3.0
KEY_GAP = 0.1  # seconds between keys while typing a new line
CURSOR_REST = 0.25  # the project's editors report a cursor at rest after this long


def config(url: str) -> dict[str, Any]:
    return {"endpoints": [url], "completion": {"model": MODEL}}


def module(seed: int, lines: int) -> list[str]:
    """A plausible Python module of ``lines`` lines (different words for each ``seed``)."""
    rng = random.Random(seed)
    words = [
        "value", "total", "items", "count", "result", "config", "parser", "buffer", "node",
        "offset", "limit", "record", "weight", "score", "window", "cursor", "entry", "batch",
    ]  # fmt: skip
    rng.shuffle(words)
    out = [f'"""Utilities for {words[0]} handling ({seed})."""', "import os", ""]
    while len(out) < lines:
        a, b, c = rng.sample(words, 3)
        out.append(f"def {a}_{rng.randrange(1000)}({b}, {c}):")
        for _ in range(rng.randrange(2, 7)):
            x, y = rng.sample(words, 2)
            out.append(f"    {x} = {y} + {b} * {rng.randrange(100)}")
        out.append(f"    return {rng.choice(words)}")
        out.append("")
    return out[:lines]


@dataclass
class Spot:
    """A document with the cursor at the end of an unfinished assignment in a function body."""

    uri: str
    text: str
    line: int
    column: int


def spot(seed: int, lines: int) -> Spot:
    """The cursor in the middle of the file, after ``    name = `` (the model ends the line)."""
    body = module(seed, lines)
    line = next(
        k for k in range(lines // 2, lines) if body[k].startswith("    ") and " = " in body[k]
    )
    body[line] = body[line].split(" = ")[0] + " = "
    return Spot(
        f"file:///bench/cpu/m{seed}_{lines}.py", "\n".join(body) + "\n", line, len(body[line])
    )


async def first_suggestion(url: str, where: Spot, *, idle: float = 0.0) -> tuple[float, str | None]:
    """Seconds from asking to the first suggestion in a freshly opened document; with ``idle``
    the document first rests that long with the cursor at the spot (as an editor reports it)."""
    async with ServerSession(config(url)) as session:
        session.open(where.uri, where.text)
        if idle:
            session.cursor(where.uri, where.line, where.column)
            await asyncio.sleep(idle)
        started = time.perf_counter()
        shown = await session.inline(where.uri, where.line, where.column)
        return time.perf_counter() - started, shown


@dataclass
class Session:
    """What one editing session measured."""

    accept_to_next: list[float] = field(default_factory=list)  # the next one was shown
    answer_after_accept: list[float] = field(default_factory=list)  # shown or nothing to add
    round_trip: list[float] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)
    generated_tokens: int = 0
    cycles: int = 0


def end_of(line: int, column: int, text: str) -> tuple[int, int]:
    """Where the cursor is after inserting ``text`` at (line, column)."""
    rows = text.split("\n")
    if len(rows) == 1:
        return line, column + len(text)
    return line + len(rows) - 1, len(rows[-1])


async def editing_session(fake: FakeOllama, seed: int, cycles: int = 8) -> Session:
    """Type a new line key by key (an automatic request per key), read the suggestion, accept
    it, and time the next suggestion; ``cycles`` times in a 2,000-line file."""
    where = spot(seed, 2000)
    result = Session()
    before = fake.counters.tokens_generated
    async with ServerSession(config(fake.url)) as session:
        session.open(where.uri, where.text)
        session.cursor(where.uri, where.line, where.column)
        await asyncio.sleep(IDLE)
        line, column = where.line, where.column
        names = ["count", "limit", "total", "score", "value", "width", "level", "index"]
        for cycle in range(cycles):
            # A new line in the body: "\n    name = " typed key by key.
            typed = f"\n    {names[cycle % len(names)]} = "
            pending = []
            for char in typed:
                session.insert(where.uri, line, column, char)
                line, column = end_of(line, column, char)
                pending.append(
                    asyncio.ensure_future(session.inline(where.uri, line, column, invoked=False))
                )
                await asyncio.sleep(KEY_GAP)
            rest = asyncio.get_running_loop().call_later(
                CURSOR_REST, session.cursor, where.uri, line, column
            )  # the editor reports where the cursor rests
            answers = await asyncio.gather(*pending)
            shown = answers[-1]
            if not shown:
                continue
            result.shown.append(shown)
            await asyncio.sleep(READING)
            rest.cancel()
            session.insert(where.uri, line, column, shown)  # accept: the editor inserts it
            line, column = end_of(line, column, shown)
            started = time.perf_counter()
            following = await session.inline(where.uri, line, column, invoked=False)
            result.answer_after_accept.append(time.perf_counter() - started)
            result.cycles += 1
            if following:
                result.accept_to_next.append(result.answer_after_accept[-1])
                result.shown.append(following)
            await asyncio.sleep(CURSOR_REST)
            session.cursor(where.uri, line, column)
            await asyncio.sleep(1.0 - CURSOR_REST)
        for _ in range(20):
            started = time.perf_counter()
            await session.inline("file:///bench/cpu/not-open.py", 0, 0)
            result.round_trip.append(time.perf_counter() - started)
        await asyncio.sleep(1.0)  # background work ends before the count
    result.generated_tokens = fake.counters.tokens_generated - before
    return result


def token_counter() -> Any:
    """The model's own tokenizer (the GGUF's vocabulary only), to count shown tokens."""
    import llama_cpp

    from tests.fake_ollama._real_model import default_gguf

    vocab = llama_cpp.Llama(model_path=default_gguf(), vocab_only=True, verbose=False)
    return lambda text: len(vocab.tokenize(text.encode(), add_bos=False, special=False))


@contextmanager
def shared_store() -> Iterator[None]:
    """One model store for every server of the run, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="ollama-lsp-bench-") as folder:
        previous = os.environ.get("OLLAMA_LSP_STORE")
        os.environ["OLLAMA_LSP_STORE"] = os.path.join(folder, "store.sqlite3")
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("OLLAMA_LSP_STORE", None)
            else:
                os.environ["OLLAMA_LSP_STORE"] = previous


def spread(values: list[float]) -> str:
    """Median and range in milliseconds."""
    ms = sorted(v * 1000 for v in values)
    return f"{statistics.median(ms):.0f} ms ({ms[0]:.0f}-{ms[-1]:.0f}, n={len(ms)})"


async def real_model_rows(repeats: int = 3) -> list[Row] | None:
    """The real-model rows, or ``None`` without the real-model extra."""
    with FakeOllama() as fake, shared_store():
        try:
            fake.use_real_model(MODEL, fim=False)  # as Ollama ships gemma3: no FIM template
        except RuntimeError:
            return None
        # The model loads and the server learns its speeds: a user's earlier session.
        await first_suggestion(fake.url, spot(1000, 20))
        small, cold, idle = [], [], []
        for k in range(repeats):
            small.append((await first_suggestion(fake.url, spot(100 + k, 20)))[0])
            cold.append((await first_suggestion(fake.url, spot(200 + k, 2000)))[0])
            idle.append((await first_suggestion(fake.url, spot(300 + k, 2000), idle=IDLE))[0])
        session = await editing_session(fake, 400)
    count = token_counter()
    shown_tokens = sum(count(text) for text in session.shown)
    wasted = max(0, session.generated_tokens - shown_tokens)
    s50 = statistics.median(small)
    trip = statistics.median(session.round_trip) * 1000
    rows = [
        Row("real model: first suggestion, 20-line file", spread(small)),
        Row("real model: first suggestion, 2,000-line file, cold", spread(cold)),
        Row(
            "  ratio cold 2,000-line / 20-line (medians)",
            f"{statistics.median(cold) / s50:.2f}",
            "<= 2",
            statistics.median(cold) / s50 <= 2,
        ),
        Row(f"real model: first suggestion, 2,000-line file idle {IDLE:g} s", spread(idle)),
        Row(
            "  ratio idle 2,000-line / 20-line (medians)",
            f"{statistics.median(idle) / s50:.2f}",
            "<= 1.2",
            statistics.median(idle) / s50 <= 1.2,
        ),
    ]
    if session.accept_to_next:
        beyond = statistics.median(session.accept_to_next) * 1000 - trip
        rows.append(
            Row(
                "real model: accept to next suggestion p50, beyond the round trip",
                f"{beyond:.0f} ms ({len(session.accept_to_next)} of {session.cycles} accepts "
                f"had a next one; round trip {trip:.1f} ms)",
                "<= 50 ms",
                beyond <= 50,
            )
        )
    else:
        rows.append(Row("real model: accept to next suggestion", "no next suggestion shown"))
    if session.answer_after_accept:
        rows.append(
            Row(
                "  accept to the next answer (shown or none), all accepts",
                spread(session.answer_after_accept),
            )
        )
    per_100 = 100 * wasted / shown_tokens if shown_tokens else float("inf")
    rows.append(
        Row(
            "real model: tokens generated never shown, per 100 shown",
            f"{per_100:.0f} ({session.generated_tokens} generated, {shown_tokens} shown)",
        )
    )
    return rows


if __name__ == "__main__":
    import argparse

    from benchmarks._harness import print_table

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    found = asyncio.run(real_model_rows(parser.parse_args().repeats))
    print_table("Real model on a laptop CPU", found or [Row("real model", "extra missing")])
