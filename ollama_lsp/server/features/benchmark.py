"""`ollama.benchmark`: one model at several levels, with progress, stored and tabled.

The measuring is `ollama_lsp.models.benchmark.run_benchmark` (shared with the CLI); this
feature adds workDoneProgress, stores each row in the model store and puts the completion
model back afterwards (the benchmark unloads everything to measure cold loads).
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from typing import Any

from pygls.exceptions import JsonRpcInvalidParams

from ollama_lsp.errors import AiError
from ollama_lsp.models import UnknownLevel, get_level
from ollama_lsp.models.benchmark import format_table, run_benchmark
from ollama_lsp.server.backend import Backend
from ollama_lsp.server.commands import Args, register_command, required_str
from ollama_lsp.server.server import OllamaLanguageServer, command_work_done_token
from ollama_lsp.store import BenchmarkResult, ModelStore

__all__ = ["benchmark", "register", "row_json"]

log = logging.getLogger(__name__)


def _levels(args: Args) -> list[str] | None:
    raw = args.get("levels")
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise JsonRpcInvalidParams("`levels` must be a list of level names such as Q4_K_M.")
    try:
        return [get_level(item).name for item in raw]
    except UnknownLevel as exc:
        raise JsonRpcInvalidParams(str(exc)) from exc


def row_json(row: BenchmarkResult) -> dict[str, Any]:
    return {
        "model": row.model,
        "level": row.level,
        "loadMs": round(row.load_ms, 1),
        "promptTps": round(row.prompt_tokens_per_second, 1),
        "evalTps": round(row.eval_tokens_per_second, 1),
        "memoryBytes": row.memory_bytes,
        "agreement": None if row.agreement is None else round(row.agreement, 3),
    }


async def benchmark(
    ls: OllamaLanguageServer, args: Args, backend: Backend, store: ModelStore
) -> dict[str, Any]:
    model, levels = required_str(args, "model"), _levels(args)
    client = backend.ollama_for("benchmark", model)
    title = f"Benchmarking {model}"
    async with ls.work_progress(title, token=command_work_done_token()) as bar:
        try:
            rows = await run_benchmark(
                client,
                model,
                levels,
                lambda message, fraction: bar.report(message, int(fraction * 100)),
            )
        except ValueError as exc:
            raise JsonRpcInvalidParams(str(exc)) from exc
    for row in rows:
        await asyncio.to_thread(store.record_benchmark, row)
    table = format_table(rows)
    log.info("benchmark of %s:\n%s", model, table)
    completion = ls.settings.completion
    if completion.enabled:
        try:
            await client.load(completion.model, keep_alive=ls.settings.keep_alive)
        except AiError as exc:
            log.info("could not reload %s after the benchmark: %s", completion.model, exc.message)
    return {
        "rows": [row_json(row) for row in rows],
        "runId": rows[0].run_id if rows else None,
        "table": table,
    }


def register(server: OllamaLanguageServer, backend: Backend, store: ModelStore) -> None:
    register_command(server, "ollama.benchmark", partial(benchmark, backend=backend, store=store))
