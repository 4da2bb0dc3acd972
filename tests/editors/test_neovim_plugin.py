"""The Neovim plugin's own Lua specs, run in a real headless Neovim (no server needed)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.editors.nvim_binary import find_nvim

PLUGIN = Path(__file__).resolve().parents[2] / "editors" / "neovim"
SPECS = sorted(p.name for p in (PLUGIN / "tests").glob("*_spec.lua"))
NVIM, WHY_NOT = find_nvim()

pytestmark = [
    pytest.mark.editor,
    pytest.mark.skipif(NVIM is None, reason=WHY_NOT),
]


def test_specs_exist() -> None:
    assert "plugin_spec.lua" in SPECS


@pytest.mark.parametrize("spec", SPECS)
def test_lua_spec(spec: str, tmp_path: Path) -> None:
    assert NVIM is not None
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    done = subprocess.run(
        [NVIM, "--clean", "--headless", "-l", str(PLUGIN / "tests" / spec)],
        cwd=PLUGIN,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert " 0 failed" in output, output


def test_the_shipped_help_tags_match_the_help(tmp_path: Path) -> None:
    """`:help ollama-lsp` works without `:helptags` (E149 otherwise): doc/tags ships, current."""
    assert NVIM is not None
    doc = tmp_path / "doc"
    doc.mkdir()
    (doc / "ollama-lsp.txt").write_bytes((PLUGIN / "doc" / "ollama-lsp.txt").read_bytes())
    subprocess.run(
        [NVIM, "--clean", "--headless", "-c", f"helptags {doc}", "-c", "qa!"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert (PLUGIN / "doc" / "tags").read_text() == (doc / "tags").read_text()
