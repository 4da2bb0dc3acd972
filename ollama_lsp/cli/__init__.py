"""The ``ollama-lsp`` command line: ``main`` and one module per sub-command (or small family).

Each sub-command module offers ``configure(parser)`` / ``run(args) -> int``, listed in
:data:`COMMANDS`; they share :mod:`._options` (settings and where they came from). Only
``serve`` uses the language server.
"""

from ollama_lsp.cli._main import COMMANDS, build_parser, main
from ollama_lsp.cli._options import CliError

__all__ = ["COMMANDS", "CliError", "build_parser", "main"]
