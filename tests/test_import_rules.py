"""The import rules of docs/architecture.md hold: each module imports only the packages its
row names (checked on the syntax tree of every module, imports inside functions included)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ollama_lsp"
#: Third-party packages the rules restrict (every other one is free to use).
RESTRICTED = frozenset({"pygls", "lsprotocol"})


def rules() -> dict[str, frozenset[str]]:
    """Package (or module) -> what it may import, from the architecture doc's table."""
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = doc.split("## Import rules", 1)[1]
    block = re.search(r"```text\n(.*?)```", section, re.DOTALL)
    assert block is not None, "docs/architecture.md: no ```text block under ## Import rules"
    table = {}
    for line in block.group(1).splitlines()[1:]:  # the first line is the header
        unit, *allowed = line.split()
        table[unit] = frozenset(allowed) - {"-"}
    return table


RULES = rules()


def unit_of(module: str) -> str:
    """The most specific row for ``module`` (``cli.serve`` before ``cli``)."""
    parts = module.split(".")
    for size in range(len(parts), 0, -1):
        if ".".join(parts[:size]) in RULES:
            return ".".join(parts[:size])
    raise AssertionError(f"ollama_lsp.{module} has no row in the import rules")


def modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:  # ollama_lsp/__init__.py holds only the version
            names.append(".".join(parts))
    return names


def imported(module: str) -> set[str]:
    """Our packages and the restricted third-party ones that ``module`` imports."""
    path = PACKAGE.joinpath(*module.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        else:  # a relative import stays inside its package
            continue
        for name in names:
            top, _, rest = name.partition(".")
            if top == "ollama_lsp" and rest:
                found.add(unit_of(rest))
            elif top in RESTRICTED:
                found.add(top)
    return found - {unit_of(module)}


@pytest.mark.parametrize("module", modules())
def test_a_module_imports_only_what_its_row_allows(module: str) -> None:
    unit = unit_of(module)
    forbidden = imported(module) - RULES[unit]
    assert not forbidden, f"ollama_lsp.{module} ({unit}) must not import {sorted(forbidden)}"


def test_every_row_is_a_package_or_module() -> None:
    for unit in RULES:
        path = PACKAGE.joinpath(*unit.split("."))
        assert path.is_dir() or path.with_suffix(".py").is_file(), unit


def test_the_command_line_starts_without_the_language_server() -> None:
    code = (
        "import sys, ollama_lsp.cli; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pygls', 'lsprotocol'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
