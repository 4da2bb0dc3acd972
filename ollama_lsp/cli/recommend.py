"""``recommend``: the catalog models and quantization levels that fit this machine."""

from __future__ import annotations

import argparse
import asyncio

from ollama_lsp.cli._options import Options, add_common_arguments, load_options
from ollama_lsp.models import Recommendation, detect_hardware, format_bytes, recommend
from ollama_lsp.ollama import AiError, OllamaClient

__all__ = ["configure", "pulled_models", "recommendation", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)


async def pulled_models(options: Options) -> list[str] | None:
    """The endpoint's model names, or None when it cannot be reached (a recommendation
    does not need it)."""
    try:
        async with OllamaClient(options.client) as client:
            return [m.name for m in await client.list_models()]
    except AiError:
        return None


def recommendation(options: Options, available: list[str] | None) -> Recommendation:
    return recommend(
        detect_hardware(),
        num_ctx=options.settings.completion.num_ctx,
        available=available,
    )


def describe(rec: Recommendation) -> list[str]:
    """One line per role, then the reasoning behind them."""
    lines = []
    for choice in rec.choices:
        state = "pulled" if choice.pulled else f"pull: ollama-lsp pull {choice.tag}"
        lines.append(
            f"{choice.role:<10} {choice.tag}  ({format_bytes(choice.need.total)}, "
            f"{choice.placement.value}, ~{choice.tokens_per_second:.0f} tok/s; {state})"
        )
    return lines


async def _recommend(args: argparse.Namespace) -> int:
    options = load_options(args)
    available = await pulled_models(options)
    rec = recommendation(options, available)
    print("\n".join(describe(rec)))
    print()
    print(rec.text)
    if available is None:
        print("(Ollama could not be reached, so which models are pulled is unknown)")
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_recommend(args))
