"""Settings for one CLI run, and where each came from (defaults, environment, file, flags).

The CLI reads the same settings as the editors (``docs/configuration.md``): a JSON file holds
the keys of the ``ollama`` section (the one given with ``--config``, else the user's
``ollama-lsp/config.json`` when there is one), and ``--host``/``--model`` override them.
``OLLAMA_HOST`` and ``OLLAMA_API_KEY`` apply where neither sets a value, as in the server.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from ollama_lsp.ollama import DEFAULT_HOST, ClientSettings
from ollama_lsp.settings import Settings, merge_raw, parse_settings

__all__ = ["CliError", "Options", "add_common_arguments", "default_config_path", "load_options"]


class CliError(Exception):
    """A problem to report as one line, with the exit status to end with."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class Options:
    """The parsed settings, the client's settings and a source per shown setting."""

    settings: Settings
    client: ClientSettings
    sources: Mapping[str, str]


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """``--host`` (repeatable), ``--model`` and ``--config``, shared by the client commands."""
    parser.add_argument(
        "--host",
        action="append",
        default=[],
        metavar="URL",
        help="an Ollama endpoint, tried in order (repeatable; default: OLLAMA_HOST or "
        f"{DEFAULT_HOST})",
    )
    parser.add_argument("--model", help="the completion model (default: from the settings)")
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="a JSON file of settings, as the editor's `ollama` section (default: "
        f"{default_config_path()} if it exists)",
    )


def default_config_path() -> Path:
    """The settings file read without ``--config``: ``$XDG_CONFIG_HOME/ollama-lsp/config.json``
    on Linux, the platform's user configuration folder elsewhere."""
    return platformdirs.user_config_path("ollama-lsp", appauthor=False) / "config.json"


def _read_config(path: Path) -> dict[str, Any]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CliError(f"cannot read the config file {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise CliError(f"the config file {path} is not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise CliError(f"the config file {path} must hold a JSON object")
    return raw


def _source(flag: object, file_value: object, env: str | None, file: Path | None) -> str:
    if flag:
        return "command line"
    if file_value is not None:
        return f"config file {file}"
    if env is not None and os.environ.get(env):
        return f"environment ({env})"
    return "default"


def _section(raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = raw.get(key)
    return value if isinstance(value, Mapping) else {}


def load_options(args: argparse.Namespace, *, chat_model_flag: bool = False) -> Options:
    """Merge defaults, environment, the config file and the flags; bad settings are errors."""
    config_path: Path | None = getattr(args, "config", None)
    if config_path is None and default_config_path().is_file():
        config_path = default_config_path()
    file = _read_config(config_path) if config_path else {}
    flags: dict[str, Any] = {}
    hosts = getattr(args, "host", None) or []
    model = getattr(args, "model", None)
    if hosts:
        flags["endpoints"] = hosts
    if model:
        flags["chat" if chat_model_flag else "completion"] = {"model": model}
    settings, problems = parse_settings(merge_raw(file, flags))
    if problems:
        raise CliError("; ".join(p.describe() for p in problems))
    client = settings.client_settings()
    completion_file = _section(file, "completion")
    chat_file = _section(file, "chat")
    sources = {
        "endpoints": _source(hosts, file.get("endpoints"), "OLLAMA_HOST", config_path),
        "apiKey": _source(None, file.get("apiKey"), "OLLAMA_API_KEY", config_path),
        "completion.model": _source(
            model and not chat_model_flag, completion_file.get("model"), None, config_path
        ),
        "chat.model": _source(model and chat_model_flag, chat_file.get("model"), None, config_path),
    }
    return Options(settings, client, sources)
