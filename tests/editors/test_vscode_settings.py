"""The VS Code extension contributes every server setting, with the server's own defaults."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs

from ollama_lsp.settings import Settings

PACKAGE = Path(__file__).resolve().parents[2] / "editors" / "vscode" / "package.json"
EXTENSION_ONLY = ("ollama.server.", "ollama.trace.")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _leaves(instance: Any, prefix: str = "ollama") -> dict[str, Any]:
    """Dotted camelCase key -> default, for every leaf of the settings tree."""
    leaves: dict[str, Any] = {}
    for field in attrs.fields(type(instance)):
        key = f"{prefix}.{_camel(field.name)}"
        value = getattr(instance, field.name)
        if attrs.has(type(value)):
            leaves.update(_leaves(value, key))
        else:
            leaves[key] = list(value) if isinstance(value, tuple) else value
    return leaves


def _contributed() -> dict[str, Any]:
    properties = json.loads(PACKAGE.read_text())["contributes"]["configuration"]["properties"]
    return {k: v for k, v in properties.items() if not k.startswith(EXTENSION_ONLY)}


def test_every_server_setting_is_contributed_and_nothing_else() -> None:
    assert sorted(_contributed()) == sorted(_leaves(Settings()))


def test_contributed_defaults_match_the_server() -> None:
    contributed = _contributed()
    mismatched = {
        key: (contributed[key].get("default"), default)
        for key, default in _leaves(Settings()).items()
        if key in contributed and contributed[key].get("default") != default
    }
    assert mismatched == {}


def test_extension_settings_say_how_to_start_the_server() -> None:
    properties = json.loads(PACKAGE.read_text())["contributes"]["configuration"]["properties"]
    assert properties["ollama.server.command"]["default"] == "ollama-lsp"
    assert properties["ollama.server.args"]["default"] == []
