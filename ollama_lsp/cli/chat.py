"""``chat [PROMPT]``: one question to the chat model, the answer streamed to stdout."""

from __future__ import annotations

import argparse
import asyncio
import sys

from ollama_lsp.cli._options import CliError, add_common_arguments, load_options
from ollama_lsp.ollama import ChatMessage, OllamaClient

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
    async with OllamaClient(options.client) as client:
        async for chunk in client.chat_stream(
            options.settings.chat.model, messages, keep_alive=options.settings.keep_alive
        ):
            if chunk.message.content:
                sys.stdout.write(chunk.message.content)
                sys.stdout.flush()
                ended_with_newline = chunk.message.content.endswith("\n")
    if not ended_with_newline:
        sys.stdout.write("\n")
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_chat(args))
