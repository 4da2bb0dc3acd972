"""Command line entry point: ``ollama-lsp COMMAND``, see :data:`COMMANDS`.

No sub-command means ``serve``. Each sub-command is a ``(help, configure, run)`` entry in
:data:`COMMANDS`: ``configure`` adds its arguments to a sub-parser, ``run`` takes the parsed
arguments and returns the exit status. Errors end as one line on stderr and a non-zero status;
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence

from ollama_lsp import __version__
from ollama_lsp.cli import bench, chat, complete, doctor, installed, recommend, serve, stats
from ollama_lsp.cli._options import CliError
from ollama_lsp.errors import AiError

__all__ = ["COMMANDS", "build_parser", "main"]

Configure = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace], int]


COMMANDS: dict[str, tuple[str, Configure, Run]] = {
    "serve": ("run the language server (the default)", serve.configure, serve.run),
    "models": ("list the pulled models", installed.configure_models, installed.run_models),
    "pull": ("download a model, with a progress bar", installed.configure_pull, installed.run_pull),
    "rm": ("delete a model", installed.configure_rm, installed.run_rm),
    "complete": (
        "print one completion at FILE:LINE:COL, as the editor would get it",
        complete.configure,
        complete.run,
    ),
    "chat": ("ask the chat model; the answer streams to stdout", chat.configure, chat.run),
    "recommend": (
        "the models and quantization levels that fit this machine",
        recommend.configure,
        recommend.run,
    ),
    "bench": ("measure a model's speed per quantization level", bench.configure, bench.run),
    "doctor": (
        "check the endpoints, models and settings; exit 1 when completions cannot work",
        doctor.configure,
        doctor.run,
    ),
    "stats": (
        "what became of the suggestions shown: accepted, partly, dismissed, per language and model",
        stats.configure,
        stats.run,
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ollama-lsp",
        description="A language server for local Ollama models, and tools to check and manage "
        "them. Without a COMMAND it runs the server over stdio, as editors start it.",
        epilog="Errors are one line on stderr; `ollama-lsp --debug COMMAND` shows the traceback.",
    )
    parser.add_argument("--version", action="version", version=f"ollama-lsp {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an error (before COMMAND)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, configure, _) in COMMANDS.items():
        configure(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def _fail(message: str, status: int) -> int:
    print(f"ollama-lsp: {message}", file=sys.stderr)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or (
        args_list[0].startswith("-")
        and args_list[0] not in ("-h", "--help", "--version", "--debug")
    ):
        args_list.insert(0, "serve")  # `ollama-lsp --stdio` as editors launch it
    args = build_parser().parse_args(args_list)
    if args.command is None:
        args = build_parser().parse_args([*args_list, "serve"])
    try:
        return COMMANDS[args.command][2](args)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except (AiError, CliError) as exc:
        if args.debug:
            traceback.print_exc()
        return _fail(exc.message, exc.status if isinstance(exc, CliError) else 1)
    except Exception as exc:
        if args.debug:
            raise
        return _fail(f"unexpected error: {type(exc).__name__}: {exc} (rerun with --debug)", 1)
