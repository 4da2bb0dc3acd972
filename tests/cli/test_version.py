"""`ollama-lsp --version`, as a real process."""

import subprocess
import sys

from ollama_lsp import __version__


def test_version_flag_prints_the_installed_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ollama_lsp", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == f"ollama-lsp {__version__}"
    assert __version__ != "0.0.0"
