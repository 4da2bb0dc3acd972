"""``bench``: tokens per second of a model at several quantization levels, as a table.

The measuring is :mod:`ollama_lsp.models.benchmark`'s (missing levels are created or pulled
first); this module parses the levels, shows progress on stderr, keeps the rows in the model
store (as the editor's ``ollama.benchmark`` does) and prints the table.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from ollama_lsp.cli._options import add_common_arguments, load_options
from ollama_lsp.models.benchmark import format_table, run_benchmark
from ollama_lsp.ollama import OllamaClient
from ollama_lsp.store import ModelStore

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument(
        "--levels",
        default="",
        metavar="Q4_K_M,Q8_0,...",
        help="quantization levels to compare (default: the model as pulled)",
    )


def _progress(message: str, fraction: float) -> None:
    print(f"{fraction:4.0%} {message}", file=sys.stderr, flush=True)


async def _bench(args: argparse.Namespace) -> int:
    options = load_options(args)
    levels = [level.strip() for level in args.levels.split(",") if level.strip()]
    async with OllamaClient(options.client) as client:
        rows = await run_benchmark(
            client, options.settings.completion.model, levels, on_progress=_progress
        )
    store = ModelStore.open()
    try:
        for row in rows:
            store.record_benchmark(row)
    finally:
        store.close()
    print(format_table(rows))
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_bench(args))
