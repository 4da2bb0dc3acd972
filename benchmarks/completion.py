"""Inline completion: what the server adds on top of the backend, measured in one run.

``python -m benchmarks.completion [--requests N] [--backend-ms MS] [--real-model] [--choices N]``

Against the project's Ollama emulator with a fixed first-token latency, side by side:
end-to-end latency through the server vs the same request sent to the emulator directly,
generations per typing burst, the wait a user sees at a typing pause beyond the backend's own
time, the typed-through cache hit rate on a replayed editing session, context build time with
50 open 2,000-line documents, and the server's RSS. With ``--real-model`` (needs the
real-model extra) also the time to the first suggestion from a real GGUF model; with
``--choices N``, at N cursors, the first suggestion and then the other choices of an invoked
request there.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

import httpx
import psutil

from benchmarks._harness import Row, ServerSession, percentile, print_table, summary
from benchmarks.real_model import real_model_rows
from ollama_lsp.context import ContextBuilder, Document
from tests.fake_ollama import FakeOllama

MODEL = "qwen2.5-coder:1.5b-base"


def reply(request: Any) -> str:
    """A different suggestion per prompt, as a model gives (a repeated line is cut as junk)."""
    return f"result_{len(request.prompt) % 9973} = a * b"


URI = "file:///bench/src/calc.py"
TEXT = "import math\n\n\ndef add(a, b):\n    \n"
LINE, COLUMN = 4, 4
KEY_GAP = 0.060  # 60 ms between keystrokes in a burst (a quick typist)
WARM_UP = 10  # requests before the paired timings start


def settings(url: str, **completion: Any) -> dict[str, Any]:
    return {"endpoints": [url], "completion": {"model": MODEL, **completion}}


#: A request answered at once, as a manual one is, but offering one suggestion (one generation).
NO_PAUSE = {"debounce": {"minMs": 0, "maxMs": 0}}


def generations(fake: FakeOllama) -> list[Any]:
    return [
        r
        for r in fake.requests_to("/api/generate")
        if isinstance(r.body, dict) and (r.body.get("prompt") or r.body.get("suffix"))
    ]


def python_document(index: int, lines: int = 2000) -> str:
    """A plausible Python module: functions with identifiers that overlap across files."""
    rng = random.Random(index)
    words = ["value", "total", "items", "count", "result", "config", "parser", "buffer", "node"]
    out = [f'"""Module {index}."""', "import os", ""]
    while len(out) < lines:
        name = f"{rng.choice(words)}_{rng.randrange(1000)}"
        out.append(f"def {name}({rng.choice(words)}, {rng.choice(words)}):")
        for _ in range(rng.randrange(2, 8)):
            out.append(f"    {rng.choice(words)} = {rng.choice(words)} + {rng.randrange(100)}")
        out.append(f"    return {rng.choice(words)}")
        out.append("")
    return "\n".join(out[:lines]) + "\n"


async def latency(fake: FakeOllama, requests: int) -> tuple[list[float], list[float], list[float]]:
    """Paired timings: each request through the server, then its exact body sent directly;
    and the bare LSP round trip (a request the server answers without the backend)."""
    through, direct, bare = [], [], []
    async with (
        ServerSession(settings(fake.url, **NO_PAUSE)) as session,
        httpx.AsyncClient(base_url=fake.url, timeout=30) as http,
    ):
        session.open(URI, TEXT)
        for i in range(WARM_UP):  # connections, capabilities, and code paths run once before
            session.insert(URI, 0, 0, f"# warm-up {i}\n")
            await session.inline(URI, LINE + i + 1, COLUMN)
        for i in range(requests):
            session.insert(URI, 0, 0, f"# edit {i}\n")  # a new prompt: no cache can answer
            started = time.perf_counter()
            suggestion = await session.inline(URI, LINE + WARM_UP + i + 1, COLUMN)
            through.append(time.perf_counter() - started)
            assert suggestion and suggestion.startswith("result_"), suggestion
            body = generations(fake)[-1].body
            started = time.perf_counter()
            async with http.stream("POST", "/api/generate", json=body) as response:
                async for _ in response.aiter_lines():
                    pass
            direct.append(time.perf_counter() - started)
        for _ in range(requests):
            started = time.perf_counter()
            await session.inline("file:///bench/not-open.py", 0, 0)
            bare.append(time.perf_counter() - started)
    return through, direct, bare


async def bursts(fake: FakeOllama, count: int = 6) -> tuple[list[int], list[float]]:
    """Type bursts of 20 keys with an automatic request per key, as editors do; pause 1 s.

    Returns the generations started per burst and, for the burst's last request, its wait
    beyond the backend's own time for the generation that answered it (the emulator's time
    from receiving that request to sending its last byte).
    """
    per_burst, added = [], []
    async with ServerSession(settings(fake.url)) as session:
        session.open(URI, TEXT)
        line = LINE
        for burst in range(count):
            typed = f"total_{burst} = a + b"[:20].ljust(20, " ")
            before = len(generations(fake))
            pending: list[asyncio.Task[float]] = []
            for i, char in enumerate(typed):
                session.insert(URI, line, COLUMN + i, char)
                pending.append(
                    asyncio.ensure_future(
                        timed(session.inline(URI, line, COLUMN + i + 1, invoked=False))
                    )
                )
                await asyncio.sleep(KEY_GAP)
            waits = await asyncio.gather(*pending)
            answered_by = generations(fake)[-1]
            assert answered_by.finished is not None
            added.append(waits[-1] - (answered_by.finished - answered_by.started))
            per_burst.append(len(generations(fake)) - before)
            session.insert(URI, line, COLUMN + len(typed), "\n    ")
            line += 1
            await asyncio.sleep(1.0)
    return per_burst, added


async def timed(request: Awaitable[Any]) -> float:
    """Seconds from now until ``request`` is answered."""
    started = time.perf_counter()
    await request
    return time.perf_counter() - started


async def replayed_session(fake: FakeOllama) -> tuple[int, int, int]:
    """A scripted editing session: accept some suggestions by typing them, ignore others.

    Returns (requests, answered without a backend call, generations).
    """
    requests = answered_from_cache = 0
    before = len(generations(fake))
    async with ServerSession(settings(fake.url)) as session:
        session.open(URI, TEXT)
        line = LINE
        for step in range(10):
            column = COLUMN
            requests += 1
            shown = await session.inline(URI, line, column, invoked=False)
            assert shown, f"no suggestion at step {step}"
            typed = shown if step % 3 else "x = 1"  # 2 of 3 suggestions are typed through
            for char in typed:
                session.insert(URI, line, column, char)
                column += 1
                gens = len(generations(fake))
                requests += 1
                answer = await session.inline(URI, line, column, invoked=False)
                if answer and len(generations(fake)) == gens:
                    answered_from_cache += 1
                await asyncio.sleep(KEY_GAP)
            session.insert(URI, line, column, "\n    ")
            line += 1
    return requests, answered_from_cache, len(generations(fake)) - before


def context_build_times(documents: int = 50, lines: int = 2000) -> tuple[float, list[float]]:
    """Cold (first build indexes every document) and warm build times, in seconds."""
    docs = [
        Document(f"file:///bench/m{i}.py", python_document(i, lines), "python", 1)
        for i in range(documents)
    ]
    builder = ContextBuilder(max_tokens=4096 - 128 - 64, workspace_root="/bench")
    target = docs[0]
    rng = random.Random(0)
    started = time.perf_counter()
    builder.build(target, len(target.text) // 2, docs)
    cold = time.perf_counter() - started
    warm = []
    for _ in range(200):
        offset = rng.randrange(len(target.text))
        started = time.perf_counter()
        builder.build(target, offset, docs)
        warm.append(time.perf_counter() - started)
    return cold, warm


async def rss_with_documents(fake: FakeOllama) -> tuple[float, float, float]:
    """With 50 open 2,000-line documents: server RSS (MiB), the first request 1 s after
    opening them (indexing for snippets happens in the background meanwhile) and the p50
    of later requests (ms)."""
    async with ServerSession(settings(fake.url, **NO_PAUSE)) as session:
        for i in range(50):
            session.open(f"file:///bench/m{i}.py", python_document(i))
        session.open(URI, TEXT)
        await asyncio.sleep(1.0)
        timings = []
        for i in range(21):
            session.insert(URI, 0, 0, f"# edit {i}\n")
            started = time.perf_counter()
            await session.inline(URI, LINE + i + 1, COLUMN)
            timings.append(time.perf_counter() - started)
        rss = psutil.Process(session.pid).memory_info().rss / 2**20
    return rss, timings[0] * 1000, statistics.median(timings[1:]) * 1000


async def real_model_first_suggestion() -> tuple[float, float] | None:
    """Seconds from server start to the first real-model suggestion, and that request alone."""
    with FakeOllama() as fake:
        try:
            fake.use_real_model("gemma3:270m")
        except RuntimeError:
            return None
        started = time.perf_counter()
        config = {"endpoints": [fake.url], "completion": {"model": "gemma3:270m", **NO_PAUSE}}
        async with ServerSession(config) as session:
            session.open(URI, TEXT)
            requested = time.perf_counter()
            await session.inline(URI, LINE, COLUMN)
            done = time.perf_counter()
    return done - started, done - requested


#: Functions to complete for the choices, each a signature and its docstring.
FUNCTIONS = [
    ("area(width, height)", "The area of a rectangle."),
    ("square(x)", "x times x."),
    ("is_even(n)", "Whether n is even."),
    ("greet(name)", "A greeting for name."),
    ("is_empty(items)", "Whether items has no element."),
    ("factorial(n)", "n! computed with a loop."),
    ("count_vowels(s)", "How many vowels s contains."),
    ("to_fahrenheit(celsius)", "A temperature in Celsius, in Fahrenheit."),
]


@dataclass
class Choices:
    """Per cursor: seconds to the first suggestion and then to the others, the suggestions
    offered; per generation: the prompt tokens the model evaluated (first ones, samples)."""

    first: list[float] = field(default_factory=list)
    others: list[float] = field(default_factory=list)
    offered: list[int] = field(default_factory=list)
    first_prompt_tokens: list[int] = field(default_factory=list)
    sample_prompt_tokens: list[int] = field(default_factory=list)


async def real_model_choices(positions: int) -> Choices | None:
    """With the real model (as Ollama ships it: no fill-in-the-middle), in the bodies of
    ``positions`` functions: the first suggestion (an automatic request), then the other
    choices (an invoked request there: the first comes from the cache, the others are sampled
    from the same prompt)."""
    functions = [FUNCTIONS[i % len(FUNCTIONS)] for i in range(positions + 1)]
    text = "".join(f'def {sig}:\n    """{doc}"""\n    \n\n\n' for sig, doc in functions)
    measured = Choices()
    with FakeOllama() as fake:
        try:
            fake.use_real_model("gemma3:270m", fim=False)
        except RuntimeError:
            return None
        config = {"endpoints": [fake.url], "completion": {"model": "gemma3:270m", **NO_PAUSE}}
        async with ServerSession(config) as session:
            session.open(URI, text)
            await session.inline(URI, 2, 4)  # the model loads
            fake.clear_requests()
            for i in range(1, positions + 1):
                line = 5 * i + 2
                started = time.perf_counter()
                await session.inline(URI, line, 4)
                measured.first.append(time.perf_counter() - started)
                started = time.perf_counter()
                measured.offered.append(len(await session.choices(URI, line, 4)))
                measured.others.append(time.perf_counter() - started)
        for request in generations(fake):
            if "prompt_eval_count" not in request.metrics:
                continue  # stopped early (the suggestion was complete): no final metrics
            sampled = "seed" in request.body.get("options", {})
            tokens = request.metrics["prompt_eval_count"]
            (measured.sample_prompt_tokens if sampled else measured.first_prompt_tokens).append(
                tokens
            )
    return measured


async def main(args: argparse.Namespace) -> None:
    backend = args.backend_ms / 1000
    with FakeOllama() as fake:
        fake.configure(first_token_seconds=backend)
        fake.reply(reply)
        through, direct, bare = await latency(fake, args.requests)
        per_burst, beyond_backend = await bursts(fake)
        requests, hits, session_generations = await replayed_session(fake)
        rss, loaded_first, loaded_p50 = await rss_with_documents(fake)
    cold, warm = context_build_times()
    real = await real_model_first_suggestion() if args.real_model else None
    cpu = await real_model_rows() if args.real_model else None
    choices = await real_model_choices(args.choices) if args.choices else None

    s50, s99, _ = summary(through)
    d50, d99, _ = summary(direct)
    overhead = [(t - d) * 1000 for t, d in zip(through, direct, strict=True)]
    o50 = statistics.median(overhead)
    # The first burst is typed before the rhythm is learned.
    added = [w * 1000 for w in beyond_backend[1:]]
    w50 = statistics.median(added)
    c50, c99, _ = summary(warm)
    rows = [
        Row("backend first-token latency (fixed)", f"{args.backend_ms:.0f} ms"),
        Row("direct to emulator p50 / p99", f"{d50:.1f} / {d99:.1f} ms"),
        Row("through the server p50 / p99", f"{s50:.1f} / {s99:.1f} ms"),
        Row("ratio server / direct (p50)", f"{s50 / d50:.3f}", "<= 1.05", s50 / d50 <= 1.05),
        Row("server overhead p50 (paired)", f"{o50:.2f} ms", "<= 2 ms", o50 <= 2),
        Row("server overhead p99 (paired)", f"{percentile(overhead, 99):.2f} ms"),
        Row("of which: bare LSP round trip p50", f"{statistics.median(bare) * 1000:.2f} ms"),
        Row(
            "generations per 20-key burst (60 ms/key)",
            " ".join(map(str, per_burst)),
            "<= 2",
            max(per_burst) <= 2,
        ),
        Row(
            "added wait at a pause (debounce + overhead)",
            f"{w50:.0f} ms (p50 of {len(added)} bursts)",
            "<= 100 ms",
            w50 <= 100,
        ),
        Row(
            "typed-through cache hit rate (replayed session)",
            f"{hits / requests:.0%} ({hits}/{requests} requests, "
            f"{session_generations} generations)",
        ),
        Row("context build, 50 x 2,000-line docs, first", f"{cold * 1000:.1f} ms"),
        Row(
            "context build, 50 x 2,000-line docs, p50 / p99",
            f"{c50:.2f} / {c99:.2f} ms",
            "<= 5 ms",
            c50 <= 5,
        ),
        Row("first request 1 s after opening those 50 documents", f"{loaded_first:.1f} ms"),
        Row("request p50 with those 50 documents open", f"{loaded_p50:.1f} ms"),
        Row("server RSS with 50 documents open", f"{rss:.0f} MiB", "<= 80 MB", rss <= 80),
    ]
    if real is not None:
        rows.append(Row("real model (gemma3 270M): start to first suggestion", f"{real[0]:.2f} s"))
        rows.append(Row("real model: first request alone", f"{real[1] * 1000:.0f} ms"))
    rows.extend(cpu or ())
    if choices is not None:
        first = statistics.median(choices.first)
        came = [t for t, n in zip(choices.others, choices.offered, strict=True) if n > 0] or [0.0]
        others = statistics.median(came)
        rows += [
            Row("choices (real model): first suggestion p50", f"{first * 1e3:.0f} ms"),
            Row("choices: the others after it p50 (where any came)", f"{others * 1e3:.0f} ms"),
            Row("choices: suggestions offered", " ".join(map(str, choices.offered))),
            Row(
                "choices: prompt tokens evaluated, first / sample p50",
                f"{statistics.median(choices.first_prompt_tokens or [0]):.0f} / "
                f"{statistics.median(choices.sample_prompt_tokens or [0]):.0f}",
            ),
        ]
    print_table(f"Inline completion, {args.requests} paired requests", rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--backend-ms", type=float, default=100)
    parser.add_argument("--real-model", action="store_true")
    parser.add_argument(
        "--choices", type=int, default=0, metavar="N", help="real model: choices at N cursors"
    )
    asyncio.run(main(parser.parse_args()))
