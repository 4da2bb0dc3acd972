"""``chat [PROMPT]``: one question to the chat model, the answer streamed to stdout."""

from __future__ import annotations

import argparse
import asyncio
import sys

from ollama_lsp.cli._options import CliError, add_common_arguments, load_options
from ollama_lsp.providers import ChatMessage, Fleet

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument("prompt", nargs="*", help="the question (default: read from stdin)")
    parser.add_argument("--system", help="a system message to send first")


async def _chat(args: argparse.Namespace) -> int:
    prompt = " ".join(args.prompt) if args.prompt else sys.stdin.read()
    if not prompt.strip():
        raise CliError("nothing to ask: give a prompt or pipe one on stdin")
    options = load_options(args, chat_model_flag=True)
    messages = [ChatMessage("system", args.system)] if args.system else []
    messages.append(ChatMessage("user", prompt))
    ended_with_newline = True
    async with Fleet(options.client) as fleet:
        async for chunk in fleet.stream_chat(messages, model=options.settings.chat.model):
            if chunk.text:
                sys.stdout.write(chunk.text)
                sys.stdout.flush()
                ended_with_newline = chunk.text.endswith("\n")
    if not ended_with_newline:
        sys.stdout.write("\n")
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_chat(args))
