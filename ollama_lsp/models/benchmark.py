"""Benchmark one model at several quantization levels (no LSP; the server and the CLI share it).

For each level, highest precision first: unload everything, load the level (load time from
Ollama's `load_duration`), generate a fixed prompt set at temperature 0 (prompt-eval and eval
tokens/s from Ollama's metrics), read the resident size from `/api/ps`, unload. The quality
proxy is the agreement of each level's completions with the highest-precision level's:
normalized edit similarity (difflib's ratio over whitespace-collapsed text), averaged over the
prompts, so the reference scores 1.0.

A level not installed is obtained first (`ensure_level`): created from an F16/BF16/F32 variant
through `/api/create` with `quantize` when Ollama can make it, else pulled from the library.
"""

from __future__ import annotations

import difflib
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass

from ollama_lsp.ollama import GenerateResponse, OllamaClient
from ollama_lsp.store import BenchmarkResult

from .fit import format_bytes
from .quantization import QuantLevel, can_quantize, get_level, parse_level
from .tags import normalize_name, split_tag, verify_tag, with_level

__all__ = [
    "BENCHMARK_PROMPTS",
    "LevelVariant",
    "Progress",
    "agreement",
    "ensure_level",
    "format_table",
    "installed_levels",
    "quantize_source",
    "run_benchmark",
]

Progress = Callable[[str, float], None]
"""`on_progress(message, fraction done in [0, 1])`."""

BENCHMARK_PROMPTS: tuple[str, ...] = (
    "def fibonacci(n: int) -> int:\n    ",
    "def is_prime(n):\n    ",
    "function debounce(fn, ms) {\n  ",
    "# Read a CSV file and return the rows as dictionaries\nimport csv\n\ndef read_rows(path):\n",
    "fn max_of(values: &[i32]) -> Option<i32> {\n    ",
    "SELECT name, COUNT(*) FROM orders\n",
)
"""Short code prefixes in a few languages: enough to compare levels, quick to run."""

_SOURCES = ("F16", "BF16", "F32")
_OPTIONS = {"temperature": 0, "seed": 0, "num_predict": 48}


@dataclass(frozen=True, slots=True)
class LevelVariant:
    """The tag serving a level, and how it came to be installed."""

    level: QuantLevel
    tag: str
    created: bool = False
    pulled: bool = False


def _same_model(a: str, b: str) -> bool:
    pa, pb = split_tag(a), split_tag(b)
    return (pa.name, pa.size, pa.variant) == (pb.name, pb.size, pb.variant)


def installed_levels(model: str, installed: Sequence[str]) -> list[LevelVariant]:
    """The levels of `model` (same name, size, variant) the endpoint has, best first."""
    found: dict[str, LevelVariant] = {}
    for name in installed:
        level = split_tag(name).level
        if level is not None and _same_model(name, model) and level.name not in found:
            found[level.name] = LevelVariant(level, name)
    return sorted(found.values(), key=lambda v: -v.level.bits_per_weight)


def quantize_source(model: str, level: QuantLevel, installed: Sequence[str]) -> str | None:
    """An installed F16/BF16/F32 variant of `model` that `/api/create` can quantize to `level`."""
    for name in _SOURCES:
        source_level = get_level(name)
        tag = with_level(model, source_level)
        found = verify_tag(tag, installed) if tag else None
        if found is not None and can_quantize(source_level, level):
            return found
    return None


async def ensure_level(
    client: OllamaClient,
    model: str,
    level: QuantLevel,
    *,
    installed: Sequence[str] | None = None,
    on_progress: Progress | None = None,
) -> LevelVariant:
    """Make `model` at `level` available: already there, created by quantizing, or pulled.

    Raises `ValueError` when the tag cannot be named (`tinyllama:latest` has no size), and the
    client's `AiError`s (a tag the library does not have is `ModelNotFound`).
    """
    report = on_progress or (lambda message, fraction: None)
    tag = with_level(model, level)
    if tag is None:
        raise ValueError(
            f"Cannot name {model} at {level.name}: give a tag with a size, such as "
            "codellama:7b-code."
        )
    names = (
        list(installed) if installed is not None else [m.name for m in await client.list_models()]
    )
    present = verify_tag(tag, names)
    if present is not None:
        return LevelVariant(level, present)
    source = quantize_source(model, level, names)
    if source is not None:
        report(f"Quantizing {source} to {level.name}", 0.0)
        async with aclosing(client.create(tag, from_=source, quantize=level.name)) as steps:
            done = 0.0  # Ollama's own share while quantizing; the other steps keep it
            async for step in steps:
                if step.total and step.completed is not None:
                    done = min(1.0, step.completed / step.total)
                report(f"{tag}: {step.status}", done)
        report(f"Created {tag}", 1.0)
        return LevelVariant(level, tag, created=True)
    report(f"Pulling {tag}", 0.0)
    async with aclosing(client.pull(tag)) as steps:
        async for progress in steps:
            fraction = (progress.completed or 0) / progress.total if progress.total else 0.0
            report(f"{tag}: {progress.status}", min(1.0, fraction))
    return LevelVariant(level, tag, pulled=True)


def _normalized(text: str) -> str:
    return " ".join(text.split())


def agreement(reference: Sequence[str], candidate: Sequence[str]) -> float:
    """Mean normalized edit similarity of paired completions (1.0: identical)."""
    if not reference:
        return 1.0
    scores = [
        difflib.SequenceMatcher(None, _normalized(a), _normalized(b), autojunk=False).ratio()
        for a, b in zip(reference, candidate, strict=True)
    ]
    return sum(scores) / len(scores)


@dataclass(slots=True)
class _Measured:
    variant: LevelVariant
    load_ms: float
    prompt_tps: float
    eval_tps: float
    memory_bytes: int
    completions: list[str]


def _rate(count: int, duration_ns: int) -> float:
    return count / duration_ns * 1e9 if duration_ns > 0 else 0.0


async def _unload_all(client: OllamaClient) -> None:
    for running in await client.running():
        await client.unload(running.name)


async def _measure(
    client: OllamaClient, variant: LevelVariant, prompts: Sequence[str], report: Progress
) -> _Measured:
    await _unload_all(client)
    started = time.perf_counter()
    loaded = await client.load(variant.tag, keep_alive="5m")
    wall_ms = (time.perf_counter() - started) * 1000
    load_ns = loaded.metrics.load_duration if loaded.metrics else None
    load_ms = load_ns / 1e6 if load_ns else wall_ms
    prompt_tokens = prompt_ns = eval_tokens = eval_ns = 0
    completions = []
    for index, prompt in enumerate(prompts):
        report(f"{variant.tag}: prompt {index + 1} of {len(prompts)}", index / len(prompts))
        answer: GenerateResponse = await client.generate(
            variant.tag, prompt, raw=True, options=_OPTIONS, keep_alive="5m"
        )
        completions.append(answer.response)
        if answer.metrics:
            prompt_tokens += answer.metrics.prompt_eval_count or 0
            prompt_ns += answer.metrics.prompt_eval_duration or 0
            eval_tokens += answer.metrics.eval_count or 0
            eval_ns += answer.metrics.eval_duration or 0
    wanted = normalize_name(variant.tag)
    memory = next((m.size for m in await client.running() if normalize_name(m.name) == wanted), 0)
    await client.unload(variant.tag)
    return _Measured(
        variant,
        load_ms,
        _rate(prompt_tokens, prompt_ns),
        _rate(eval_tokens, eval_ns),
        memory,
        completions,
    )


async def run_benchmark(
    client: OllamaClient,
    model: str,
    levels: Sequence[str] | None = None,
    on_progress: Progress | None = None,
    *,
    prompts: Sequence[str] | None = None,
) -> list[BenchmarkResult]:
    """Measure `model` at `levels` (default: every level installed), best precision first.

    Missing levels are created or pulled first. The rows share one `run_id`; storing them is
    the caller's choice (`ModelStore.record_benchmark`).
    """
    report = on_progress or (lambda message, fraction: None)
    prompts = tuple(prompts or BENCHMARK_PROMPTS)
    summaries = await client.list_models()
    names = [m.name for m in summaries]
    if levels:
        wanted = sorted({get_level(text) for text in levels}, key=lambda lv: -lv.bits_per_weight)
        variants = [await ensure_level(client, model, lv, installed=names) for lv in wanted]
    else:
        variants = installed_levels(model, names)
        if not variants:  # a tag without a level (`tinyllama:latest`): measure it as it is
            present = next((m for m in summaries if verify_tag(model, [m.name])), None)
            own = parse_level(present.details.quantization_level) if present else None
            if present is None or own is None:
                raise ValueError(f"{model} is not installed at a known level; name the levels.")
            variants = [LevelVariant(own, present.name)]
    measured: list[_Measured] = []
    steps = len(variants)
    for index, variant in enumerate(variants):

        def step(message: str, fraction: float, index: int = index) -> None:
            report(message, (index + fraction) / steps)

        step(f"Loading {variant.tag}", 0.0)
        measured.append(await _measure(client, variant, prompts, step))
    report("Benchmark finished", 1.0)
    reference = measured[0].completions
    run_id = uuid.uuid4().hex
    return [
        BenchmarkResult(
            model=model,
            level=m.variant.level.name,
            load_ms=m.load_ms,
            prompt_tokens_per_second=m.prompt_tps,
            eval_tokens_per_second=m.eval_tps,
            memory_bytes=m.memory_bytes,
            agreement=agreement(reference, m.completions),
            run_id=run_id,
        )
        for m in measured
    ]


def format_table(rows: Sequence[BenchmarkResult]) -> str:
    """A Markdown table of results (readable as plain text too)."""
    header = ("level", "load ms", "prompt tok/s", "eval tok/s", "memory", "agreement")
    lines = [
        (
            row.level,
            f"{row.load_ms:.0f}",
            f"{row.prompt_tokens_per_second:.1f}",
            f"{row.eval_tokens_per_second:.1f}",
            format_bytes(row.memory_bytes) if row.memory_bytes else "-",
            f"{row.agreement:.2f}" if row.agreement is not None else "-",
        )
        for row in rows
    ]
    widths = [max(len(cell) for cell in column) for column in zip(header, *lines, strict=False)]

    def render(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    separator = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    title = f"{rows[0].model}\n\n" if rows else ""
    return title + "\n".join([render(header), separator, *map(render, lines)])
