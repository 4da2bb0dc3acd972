"""Routing over two endpoints: what cache affinity saves, and what a slow server costs.

``python -m benchmarks.routing [--editors 4] [--requests 25] [--runs 5] [--slots 3]``

Two emulator endpoints stand for two GPU servers with Ollama's KV-cache behaviour: ``--slots``
per model (``OLLAMA_NUM_PARALLEL``), each slot keeping the cache of its last prompt, and a
request taking the free slot that shares the longest prefix with it; evaluating the tokens past
that prefix takes time (``prompt_tokens_per_second``). Four simulated editors, each its own
pipeline and router as four ollama-lsp processes would be, type at the end of their own
300-line module and ask for a suggestion after every few characters.

Measured: prompt tokens evaluated per generation with the router's affinity against
round-robin (one endpoint, then the other), and the median latency of a suggestion when one
endpoint is five times slower, against the same fleet with that endpoint removed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from typing import Any

from benchmarks._harness import Row, percentile, print_table
from ollama_lsp.completion.pipeline import CompletionPipeline, CompletionRequest, Suggestion
from ollama_lsp.context import Document
from ollama_lsp.ollama import ClientSettings
from ollama_lsp.providers import Fleet, Router
from ollama_lsp.settings import CompletionSettings, DebounceSettings
from tests.fake_ollama import EmulatorConfig, FakeOllama

MODEL = "qwen2.5-coder:1.5b-base"
#: A GPU server's pace for a 1.5B model, roughly: prompt evaluation is what a cold cache costs.
PACE = {"first_token_seconds": 0.01, "prompt_tokens_per_second": 8000.0, "tokens_per_second": 400.0}
SLOWER = 5.0
THINK = 0.1  # seconds between a suggestion and the next keystrokes


class RoundRobin(Router):
    """The baseline: every request to the next endpoint in turn, whatever it holds."""

    turn = 0

    def order(self, model: str | None = None, key: str | None = None) -> list[str]:
        self.turn += 1
        start = self.turn % len(self.endpoints)
        return [*self.endpoints[start:], *self.endpoints[:start]]


def module(editor: int) -> str:
    """A 300-line Python module of the editor's own."""
    rng = random.Random(editor)
    words = ["value", "total", "items", "count", "result", "config", "parser", "buffer"]
    lines = [f'"""Module {editor} of a project."""', "", "import math", ""]
    while len(lines) < 300:
        name = f"{rng.choice(words)}_{rng.choice(words)}_{len(lines)}"
        lines += [
            f"def {name}(data, limit={rng.randint(1, 99)}):",
            f"    {rng.choice(words)} = [x for x in data if x < limit]",
            f"    return sum({rng.choice(words)}) / max(1, len(data))",
            "",
        ]
    return "\n".join(lines) + "\n\ndef main():\n    "


def settings() -> CompletionSettings:
    return CompletionSettings(model=MODEL, debounce=DebounceSettings(0, 0), max_tokens=32)


async def editor(index: int, fleet: Fleet, requests: int, latencies: list[float]) -> None:
    """Type at the end of the module; ask for a suggestion after every few characters."""
    pipeline = CompletionPipeline(fleet, settings())
    uri = f"file:///editor{index}/module{index}.py"
    text = module(index)
    rng = random.Random(index)
    try:
        for step in range(requests):
            text += rng.choice(["x", "total", " = ", "(", "data", ", ", "1", ")\n    "])
            request = CompletionRequest(
                Document(uri, text, "python", step + 1), len(text), (), True
            )
            started = time.perf_counter()
            outcome = await pipeline.complete(request)
            latencies.append(time.perf_counter() - started)
            if not isinstance(outcome, Suggestion) and getattr(outcome, "error", None):
                raise RuntimeError(outcome.error.message)  # type: ignore[union-attr]
            await asyncio.sleep(THINK * rng.uniform(0.5, 1.5))
    finally:
        await pipeline.aclose()


async def run(
    endpoints: int,
    editors: int,
    requests: int,
    slots: int,
    *,
    round_robin: bool = False,
    slow: bool = False,
) -> tuple[float, float]:
    """Prompt tokens per generation and the median suggestion latency (ms) of one run."""
    async with AsyncExitStack() as stack:
        fakes = []
        for number in range(endpoints):
            pace = dict(PACE)
            if slow and number == 0:
                pace = {
                    "first_token_seconds": PACE["first_token_seconds"] * SLOWER,
                    "prompt_tokens_per_second": PACE["prompt_tokens_per_second"] / SLOWER,
                    "tokens_per_second": PACE["tokens_per_second"] / SLOWER,
                }
            fake = stack.enter_context(FakeOllama(EmulatorConfig(num_parallel=slots, **pace)))
            fake.reply(lambda request: f"result_{len(request.prompt) % 9973} = compute(data)")
            fakes.append(fake)
        client = ClientSettings(endpoints=tuple(f.url for f in fakes), retry_backoff=0.0)
        fleets = []
        for _ in range(editors):
            fleet = await stack.enter_async_context(Fleet(client))
            if round_robin:
                fleet.router = RoundRobin(fleet.router.endpoints)
            fleets.append(fleet)
        latencies: list[float] = []
        await asyncio.gather(*(editor(i, f, requests, latencies) for i, f in enumerate(fleets)))
        evaluated = [
            r.metrics.get("prompt_eval_count", 0)
            for fake in fakes
            for r in fake.requests_to("/api/generate")
            if r.metrics
        ]
    return statistics.mean(evaluated), percentile(latencies, 50) * 1000


def middle(values: Sequence[float]) -> float:
    return statistics.median(values)


async def main(editors: int, requests: int, runs: int, slots: int) -> None:
    results: dict[str, list[tuple[float, float]]] = {}
    cases: dict[str, dict[str, Any]] = {
        "affinity": {"endpoints": 2},
        "round-robin": {"endpoints": 2, "round_robin": True},
        "one endpoint 5x slower": {"endpoints": 2, "slow": True},
        "that endpoint removed": {"endpoints": 1},
    }
    for _ in range(runs):
        for name, case in cases.items():
            results.setdefault(name, []).append(
                await run(editors=editors, requests=requests, slots=slots, **case)
            )
    tokens = {name: middle([r[0] for r in rows]) for name, rows in results.items()}
    p50 = {name: middle([r[1] for r in rows]) for name, rows in results.items()}
    rows = [
        Row("prompt tokens per generation, affinity", f"{tokens['affinity']:.0f}"),
        Row(
            "prompt tokens per generation, round-robin",
            f"{tokens['round-robin']:.0f}",
            "more than affinity",
            tokens["round-robin"] > tokens["affinity"],
        ),
        Row("p50 suggestion latency, two endpoints", f"{p50['affinity']:.0f} ms"),
        Row("p50 suggestion latency, round-robin", f"{p50['round-robin']:.0f} ms"),
        Row(
            "p50 suggestion latency, one endpoint 5x slower",
            f"{p50['one endpoint 5x slower']:.0f} ms",
            "<= with it removed",
            p50["one endpoint 5x slower"] <= p50["that endpoint removed"],
        ),
        Row(
            "p50 suggestion latency, that endpoint removed",
            f"{p50['that endpoint removed']:.0f} ms",
        ),
    ]
    print_table(
        f"Routing: {editors} editors, {requests} suggestions each, {slots} slots per server, "
        f"median of {runs} runs",
        rows,
    )
    for name, runs_of in results.items():
        print(f"{name}: " + ", ".join(f"{t:.0f} tokens / {ms:.0f} ms" for t, ms in runs_of))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--editors", type=int, default=4)
    parser.add_argument("--requests", type=int, default=25)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--slots", type=int, default=3, help="OLLAMA_NUM_PARALLEL of each server")
    args = parser.parse_args()
    asyncio.run(main(args.editors, args.requests, args.runs, args.slots))
