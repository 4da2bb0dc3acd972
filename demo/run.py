"""``python -m demo``: pick a backend, open Neovim, type, print the suggestion and its latency."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

import httpx

from demo.backend import Backend, DemoError, emulated, running_ollama
from demo.editor import TYPED, neovim, type_and_wait, wait_until_loaded

__all__ = ["main"]


def _say(text: str = "") -> None:
    print(text, flush=True)


def _backend(args: argparse.Namespace, stack: ExitStack) -> Backend:
    if not args.emulator:
        found = running_ollama(os.environ.get("OLLAMA_HOST"), args.model)
        if found is not None:
            return found
        _say("No Ollama is running here: using the emulator with a real model instead.")
    return stack.enter_context(emulated())


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/demo", description=__doc__)
    parser.add_argument("--model", help="with a running Ollama: the model to use")
    parser.add_argument(
        "--emulator", action="store_true", help="use the emulator even if Ollama is running"
    )
    parser.add_argument(
        "--timeout", type=float, default=120, help="seconds to wait for the model and suggestion"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    started = time.perf_counter()
    try:
        with ExitStack() as stack:
            backend = _backend(args, stack)
            _say(f"Backend: {backend.description}")
            _say(f"Model:   {backend.model}")
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ollama-lsp-")))
            session = stack.enter_context(neovim(workdir, backend.url, backend.model))
            _say("Neovim:  headless, with the ollama_lsp plugin; the server attached")
            loading = time.perf_counter()
            status = wait_until_loaded(session, args.timeout)
            _say(f"Loaded:  {time.perf_counter() - loading:.1f} s (statusline: {status})")
            observed = type_and_wait(session, args.timeout)
    except (DemoError, RuntimeError, AssertionError, httpx.HTTPError) as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 1
    _say()
    _say("demo.py, as typed (cursor at the end of the last line):")
    for line in [*observed.buffer_before[:-1], TYPED]:
        _say(f"    | {line}")
    _say(f"Inline suggestion after {observed.latency_ms:.0f} ms: {observed.suggestion!r}")
    _say("After Tab:")
    for line in observed.buffer_after:
        _say(f"    | {line}")
    _say()
    _say(f"OK: demo finished in {time.perf_counter() - started:.1f} s")
    return 0
