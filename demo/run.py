"""``python -m demo``: pick a backend, open Neovim, type, print the suggestions and timings."""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

import httpx

from demo.backend import Backend, DemoError, emulated, openai_engine, running_ollama
from demo.editor import (
    SOURCE,
    TYPED,
    Suggestion,
    accept,
    neovim,
    settle,
    start_typing,
    statuslines,
    type_and_wait,
    wait_until_loaded,
)

__all__ = ["main"]

#: What the scripted engine completes when the real model cannot run.
COMPLETED = "\n".join([*SOURCE[:-1], TYPED + "main()", ""])


def _say(text: str = "") -> None:
    print(text, flush=True)


def _backend(args: argparse.Namespace, stack: ExitStack) -> Backend:
    if args.engine == "openai":
        return stack.enter_context(openai_engine(_say))
    if not args.emulator:
        found = running_ollama(os.environ.get("OLLAMA_HOST"), args.model)
        if found is not None:
            return found
        _say("No Ollama is running here: using the emulator with a real model instead.")
    return stack.enter_context(emulated(_say, COMPLETED, simulate_crash=args.simulate_crash))


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/demo", description=__doc__)
    parser.add_argument("--model", help="with a running Ollama: the model to use")
    parser.add_argument(
        "--emulator", action="store_true", help="use the emulator even if Ollama is running"
    )
    parser.add_argument(
        "--engine",
        choices=("ollama", "openai"),
        default="ollama",
        help="openai: llama-cpp-python's OpenAI-compatible server with the same model, "
        "as the server speaks to vLLM or llama.cpp's server",
    )
    parser.add_argument(
        "--simulate-crash",
        action="store_true",
        help="with the emulator: crash the real model's runner once, to show the fallback",
    )
    parser.add_argument(
        "--timeout", type=float, default=120, help="seconds to wait for the model and suggestion"
    )
    return parser.parse_args(argv)


def _speeds(metrics: dict[str, int]) -> str:
    """Ollama's own counters for one generation, as a user reads them."""

    def rate(count: str, duration: str) -> str:
        tokens, nanoseconds = metrics.get(count, 0), metrics.get(duration, 0)
        speed = f" at {tokens / nanoseconds * 1e9:.0f} tokens/s" if nanoseconds else ""
        return f"{tokens} tokens{speed}"

    return (
        f"prompt {rate('prompt_eval_count', 'prompt_eval_duration')} evaluated, "
        f"{rate('eval_count', 'eval_duration')} generated"
    )


def _typed_part(text: str) -> str:
    """What the demo types of a suggestion to show typing through it: its first word, or
    half of it, at least one character."""
    word = re.match(r"\w+", text)
    length = len(word[0]) if word else 1
    return text[: max(1, min(length, len(text) // 2))]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    started = time.perf_counter()
    try:
        with ExitStack() as stack:
            backend = _backend(args, stack)
            _say(f"Backend: {backend.description}")
            _say(f"Model:   {backend.model}")
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ollama-lsp-")))
            session = stack.enter_context(neovim(workdir, backend.endpoint, backend.model))
            _say("Neovim:  headless, with the ollama_lsp plugin; the server attached")
            loading = time.perf_counter()
            wait_until_loaded(session, args.timeout)
            _say(f"Loaded:  {time.perf_counter() - loading:.1f} s")
            start_typing(session)
            before = session.lines()
            first = type_and_wait(session, "A" + TYPED, args.timeout)
            generations = backend.generations() if backend.generations else []
            typed = _typed_part(first.text)
            second = type_and_wait(session, typed, args.timeout, previous=first.text)
            settle(session)
            regenerated = backend.generations is not None and len(backend.generations()) > len(
                generations
            )
            after = accept(session)
            shown = statuslines(session)
    except (DemoError, RuntimeError, AssertionError, httpx.HTTPError) as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 1
    _report(
        before, first, generations if backend.real_model else [], typed, second, regenerated,
        after, shown,
    )  # fmt: skip
    _say(f"OK: demo finished in {time.perf_counter() - started:.1f} s")
    return 0


def _report(
    before: list[str],
    first: Suggestion,
    generations: list[dict[str, int]],
    typed: str,
    second: Suggestion,
    regenerated: bool,
    after: list[str],
    shown: list[str],
) -> None:
    _say()
    _say("demo.py, as typed (cursor at the end of the last line):")
    for line in [*before[:-1], TYPED]:
        _say(f"    | {line}")
    _say(f"Inline suggestion after {first.latency_ms:.0f} ms: {first.text!r}")
    if generations and generations[-1]:
        _say(f"    Ollama's counters: {_speeds(generations[-1])}")
    source = "with a new generation" if regenerated else "from its cache, with no new generation"
    _say(f"Typed {typed!r}: the ghost text shows the rest, {second.text!r}, and the server")
    _say(f"    answered the new position {source}")
    _say("After Tab:")
    for line in after:
        _say(f"    | {line}")
    _say("Status line as it changed:")
    for line in shown:
        _say(f"    {line}")
    _say()
