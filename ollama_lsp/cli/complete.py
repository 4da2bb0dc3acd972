"""``complete FILE:LINE:COL``: one completion through the editor's pipeline, printed.

LINE and COL are 1-based, as editors show them; COL counts characters. The request is an
explicit one (no debounce), so what prints is what the editor would show when asked.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from ollama_lsp.cli._options import CliError, add_common_arguments, load_options
from ollama_lsp.completion.pipeline import (
    CompletionPipeline,
    CompletionRequest,
    Failed,
    SkipReason,
    Suggestion,
)
from ollama_lsp.context import Document
from ollama_lsp.providers import AiResponseCache, Fleet

__all__ = ["configure", "language_id", "parse_position", "run"]

_LANGUAGES = {
    ".py": "python", ".pyi": "python", ".js": "javascript", ".jsx": "javascriptreact",
    ".ts": "typescript", ".tsx": "typescriptreact", ".go": "go", ".rs": "rust", ".c": "c",
    ".h": "c", ".cc": "cpp", ".cpp": "cpp", ".hpp": "cpp", ".java": "java", ".kt": "kotlin",
    ".rb": "ruby", ".php": "php", ".cs": "csharp", ".lua": "lua", ".sh": "shellscript",
    ".swift": "swift", ".scala": "scala", ".sql": "sql", ".html": "html", ".css": "css",
    ".json": "json", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".md": "markdown",
}  # fmt: skip


_WHY: dict[SkipReason, str] = {
    "disabled": "completion is off here (completion.enabled, languages, disabledLanguages)",
    "excluded": "the file is excluded (it holds secrets, or completion.exclude)",
    "empty": "the model had nothing to add",
    "not connected": "no backend",
    "superseded": "a newer request came",
    "stopped": "the generation was stopped",
}


def language_id(path: Path) -> str:
    """The LSP language id editors would give ``path`` (``plaintext`` when unknown)."""
    return _LANGUAGES.get(path.suffix.lower(), "plaintext")


def parse_position(spec: str) -> tuple[Path, int, int]:
    """``FILE:LINE:COL`` -> (file, line, column), both 1-based; the file may contain colons."""
    file, sep1, line_col = spec.rpartition(":")
    path, sep2, line = file.rpartition(":")
    if not (sep1 and sep2 and line.isdigit() and line_col.isdigit()) or not path:
        raise CliError(f"expected FILE:LINE:COL (1-based), got {spec!r}")
    if int(line) < 1 or int(line_col) < 1:
        raise CliError(f"LINE and COL start at 1, got {spec!r}")
    return Path(path), int(line), int(line_col)


def _offset(text: str, line: int, column: int) -> int:
    lines = text.split("\n")
    if line > len(lines):
        raise CliError(f"line {line} is past the end of the file ({len(lines)} lines)")
    if column > len(lines[line - 1]) + 1:
        raise CliError(f"column {column} is past the end of line {line}")
    return sum(len(current) + 1 for current in lines[: line - 1]) + column - 1


def configure(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument("position", metavar="FILE:LINE:COL", help="where the cursor is (1-based)")
    parser.add_argument("--timing", action="store_true", help="also print the latency on stderr")


async def _complete(args: argparse.Namespace) -> int:
    path, line, column = parse_position(args.position)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None
    options = load_options(args)
    document = Document(path.resolve().as_uri(), text, language_id(path), 1)
    request = CompletionRequest(document, _offset(text, line, column), invoked=True)
    keep_alive = options.settings.keep_alive
    async with Fleet(options.client, AiResponseCache(), keep_alive=keep_alive) as fleet:
        pipeline = CompletionPipeline(
            fleet, options.settings.completion, workspace_root=str(Path.cwd())
        )
        started = time.perf_counter()
        try:
            outcome = await pipeline.complete(request)
        finally:
            await pipeline.aclose()
        elapsed_ms = (time.perf_counter() - started) * 1000
    if isinstance(outcome, Failed):
        raise outcome.error
    if args.timing:
        print(f"{elapsed_ms:.0f} ms", file=sys.stderr)
    if not isinstance(outcome, Suggestion):
        print(f"no suggestion at this position: {_WHY[outcome.reason]}", file=sys.stderr)
        return 1
    print(outcome.text)
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_complete(args))
