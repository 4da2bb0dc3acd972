"""``models``, ``pull NAME`` and ``rm NAME``: model management from the terminal."""

from __future__ import annotations

import argparse
import asyncio
import sys

from ollama_lsp.cli._options import add_common_arguments, load_options
from ollama_lsp.cli.progress import PullBar
from ollama_lsp.models import format_bytes
from ollama_lsp.providers import Fleet

__all__ = [
    "configure_models",
    "configure_pull",
    "configure_rm",
    "run_models",
    "run_pull",
    "run_rm",
]


def configure_models(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)


def configure_pull(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument("name", help="the model to download, e.g. qwen2.5-coder:1.5b-base")


def configure_rm(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument("name", help="the model to delete")


async def _models(args: argparse.Namespace) -> int:
    options = load_options(args)
    wanted = {options.settings.completion.model, options.settings.chat.model}
    async with Fleet(options.client) as fleet:
        models = await fleet.client_for().list_models()
    if not models:
        print("no models pulled yet: try `ollama-lsp recommend`, then `ollama-lsp pull NAME`")
        return 0
    width = max(len(m.name) for m in models)
    print(f"  {'NAME':<{width}}  {'SIZE':>9}  {'PARAMS':>7}  QUANT")
    for m in sorted(models, key=lambda m: m.name):
        mark = "*" if m.name in wanted else " "
        details = m.details
        print(
            f"{mark} {m.name:<{width}}  {format_bytes(m.size):>9}  "
            f"{details.parameter_size or '?':>7}  {details.quantization_level or '?'}"
        )
    print("(* the configured completion or chat model)")
    return 0


async def _pull(args: argparse.Namespace) -> int:
    options = load_options(args)
    bar = PullBar(args.name, sys.stderr)
    async with Fleet(options.client) as fleet:
        try:
            async for step in fleet.ollama_for("pull", args.name).pull(args.name):
                bar.update(step)
        finally:
            bar.close()
    print(f"pulled {args.name}")
    return 0


async def _rm(args: argparse.Namespace) -> int:
    options = load_options(args)
    async with Fleet(options.client) as fleet:
        await fleet.ollama_for("delete", args.name).delete(args.name)
    print(f"deleted {args.name}")
    return 0


def run_models(args: argparse.Namespace) -> int:
    return asyncio.run(_models(args))


def run_pull(args: argparse.Namespace) -> int:
    return asyncio.run(_pull(args))


def run_rm(args: argparse.Namespace) -> int:
    return asyncio.run(_rm(args))
