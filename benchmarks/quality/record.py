"""Record what a real model writes at corpus cursors, as corpus cases to judge by hand.

``python -m benchmarks.quality.record [--language L] [--per-language N] [--model NAME]``

The emulator serves the real gemma3 270M GGUF (the real-model extra) under ``--model``; each
chosen case's document goes through ``ollama-lsp`` as in the benchmark, and the exact
``/api/generate`` body the server sent is then replayed without streaming, so the whole raw
output is seen (the server may have stopped reading early, and a replay need not give the
same tokens as the first run: the KV cache it reuses changes the arithmetic). Printed as
TOML ``[[case]]`` tables whose ``expected`` is today's post-processing of that output: a
starting point to correct by hand, not a verdict.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from typing import Any

import httpx

from benchmarks._harness import ServerSession
from benchmarks.quality.__main__ import settings
from benchmarks.quality.corpus import CURSOR, Case, load_corpus
from ollama_lsp.completion.postprocess import postprocess, shape_for
from ollama_lsp.context import CodeContext
from tests.fake_ollama import FakeOllama

__all__ = ["main"]


def literal(text: str) -> str:
    """``text`` as a TOML literal string (basic string when it holds ``'''``)."""
    if "'''" in text or text.endswith("'"):
        escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped.replace(chr(9), chr(92) + "t")}"'
    return "'''\n" + text + "'''" if text.startswith("\n") or "\n" in text else f"'''{text}'''"


async def record(cases: list[Case], model: str) -> list[tuple[Case, str, bool]]:
    out = []
    with FakeOllama() as fake:
        fake.use_real_model(model, fim=False)
        real = settings(fake.url, model)
        real["completion"]["maxTokens"] = 128  # the product's default budget
        async with (
            ServerSession(real) as session,
            httpx.AsyncClient(base_url=fake.url, timeout=300) as http,
        ):
            for index, case in enumerate(cases):
                uri = f"file:///project/{case.language}/{index}/{case.path.rsplit('/', 1)[-1]}"
                session.open(uri, case.text, case.language)
                fake.clear_requests()
                await session.inline(uri, *case.position)
                session.close(uri)
                sent: dict[str, Any] = fake.requests_to("/api/generate")[-1].body
                replay = await http.post("/api/generate", json={**sent, "stream": False})
                answer = replay.json()
                out.append((case, answer["response"], answer["done_reason"] == "length"))
    return out


def as_toml(case: Case, raw: str, truncated: bool, model: str) -> str:
    context = CodeContext(case.prefix, case.suffix, case.language, case.path)
    suggestion = postprocess(raw, context, shape_for(context), truncated=truncated)
    return "\n".join(
        [
            "[[case]]",
            f'name = "real {model}: {case.name}"',
            f'class = "{case.klass}"',
            f'language = "{case.language}"',
            f'path = "{case.path}"',
            f'note = "recorded from {model} (prefix prompt); expected judged by hand"',
            *(["truncated = true"] if truncated else []),
            f"document = {literal(case.prefix + CURSOR + case.suffix)}",
            f"output = {literal(raw)}",
            f"expected = {literal(suggestion)}",
            "",
        ]
    )


async def main(args: argparse.Namespace) -> None:
    chosen, seen = [], Counter[str]()
    for case in load_corpus():
        if case.name.startswith("real ") or (args.language and case.language not in args.language):
            continue
        if seen[case.language] < args.per_language:
            chosen.append(case)
            seen[case.language] += 1
    for case, raw, truncated in await record(chosen, args.model):
        print(as_toml(case, raw, truncated, args.model))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--language", action="append")
    parser.add_argument("--per-language", type=int, default=2)
    parser.add_argument("--model", default="gemma3:270m")
    asyncio.run(main(parser.parse_args()))
