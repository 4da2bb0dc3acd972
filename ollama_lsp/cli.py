"""Command line entry point: `ollama-lsp [serve|...]`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ollama_lsp import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ollama-lsp", description=__doc__)
    parser.add_argument("--version", action="version", version=f"ollama-lsp {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    build_parser().parse_args(argv)
    return 0
