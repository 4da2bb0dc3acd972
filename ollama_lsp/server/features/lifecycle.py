"""Settings from the client: ``initializationOptions``, then ``workspace/configuration``.

Layers, later ones winning: defaults, ``initializationOptions`` (either the ``ollama`` section
or its content), the client's ``ollama`` configuration section. ``didChangeConfiguration``
carrying settings replaces the pushed layer; carrying ``null`` (as many clients send) re-pulls.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from lsprotocol import types
from pygls.capabilities import get_capability

from ollama_lsp.server.log import attach_client_log
from ollama_lsp.server.server import OllamaLanguageServer, guarded_notification
from ollama_lsp.settings import merge_raw, parse_settings

__all__ = ["SECTION", "register", "reload", "section_of"]

SECTION = "ollama"
log = logging.getLogger(__name__)


def section_of(raw: Any) -> Any:
    """The ``ollama`` section of a settings object, accepting the bare section too."""
    if isinstance(raw, Mapping) and isinstance(raw.get(SECTION), Mapping):
        return raw[SECTION]
    return raw


async def pull_configuration(ls: OllamaLanguageServer) -> Any:
    """The client's ``ollama`` section, or ``None`` when it cannot be asked."""
    if not get_capability(ls.client_capabilities, "workspace.configuration", False):
        return None
    try:
        request = ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
        )
        result = await asyncio.wait_for(asyncio.shield(request), timeout=10)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.warning("workspace/configuration failed: %s", exc)
        return None
    return result[0] if isinstance(result, list | tuple) and result else None


async def reload(ls: OllamaLanguageServer, pushed: Any = None) -> None:
    """Recompute the settings from every layer and apply them."""
    client_layer = pushed if pushed is not None else await pull_configuration(ls)
    raw = merge_raw(section_of(ls.init_options), section_of(client_layer))
    settings, problems = parse_settings(raw)
    attach_client_log(ls, settings.log_level)
    await ls.apply_settings(settings, problems)


def initialize(ls: OllamaLanguageServer, params: types.InitializeParams) -> None:
    ls.init_options = params.initialization_options
    ls.status.editor = params.client_info.name if params.client_info else None


@guarded_notification
async def initialized(ls: OllamaLanguageServer, params: types.InitializedParams) -> None:
    await reload(ls)


@guarded_notification
async def did_change_configuration(
    ls: OllamaLanguageServer, params: types.DidChangeConfigurationParams
) -> None:
    pushed = params.settings
    if isinstance(pushed, Mapping) and not pushed:
        pushed = None
    await reload(ls, pushed)


async def shutdown(ls: OllamaLanguageServer, params: None) -> None:
    await ls.shutdown_features()


def register(server: OllamaLanguageServer) -> None:
    server.feature(types.INITIALIZE)(initialize)
    server.feature(types.INITIALIZED)(initialized)
    server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)(did_change_configuration)
    server.feature(types.SHUTDOWN)(shutdown)
