"""What every ``ollama.*`` command shares: its one argument, the client, asking and telling.

A command fails in two ways at once: the editor's request gets a JSON-RPC error whose message is
the user-facing text, and the user sees it in a ``window/showMessage`` (an editor calling a
command from a palette often shows nothing for a failed request).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams

from ollama_lsp.ollama import AiError, OllamaClient
from ollama_lsp.server.server import OllamaLanguageServer, OllamaProtocol

__all__ = [
    "Args",
    "ask",
    "client_of",
    "endpoint_of",
    "optional_str",
    "register_command",
    "required_str",
]

log = logging.getLogger(__name__)

Args = Mapping[str, Any]
Handler = Callable[[OllamaLanguageServer, Args], Awaitable[Any]]


def _argument(args: tuple[Any, ...]) -> Args:
    if not args or args[0] is None:
        return {}
    if isinstance(args[0], Mapping):
        return args[0]
    raise JsonRpcInvalidParams("ollama-lsp commands take one argument, a JSON object.")


def required_str(args: Args, key: str) -> str:
    value = args.get(key)
    if not isinstance(value, str) or not value.strip():
        raise JsonRpcInvalidParams(f"`{key}` is required: a non-empty string.")
    return value.strip()


def optional_str(args: Args, key: str) -> str | None:
    value = args.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise JsonRpcInvalidParams(f"`{key}` must be a string.")
    return value.strip() or None


def register_command(server: OllamaLanguageServer, name: str, handler: Handler) -> None:
    """Register ``handler(ls, argument)`` as command ``name``; failures reach the user."""

    @functools.wraps(handler)
    async def run(ls: OllamaLanguageServer, *args: Any) -> Any:
        if isinstance(ls.protocol, OllamaProtocol):
            ls.protocol.track_command()
        try:
            await ls.ready.wait()
            return await handler(ls, _argument(args))
        except asyncio.CancelledError:
            raise
        except AiError as error:
            log.info("%s: %s", name, error.message)
            message = ls.status.in_editor_words(error.message)
            ls.status.show(message, types.MessageType.Error)
            raise JsonRpcInternalError(message) from error
        except JsonRpcInvalidParams as error:
            ls.status.show(f"{name}: {error.message}", types.MessageType.Error)
            raise
        except JsonRpcException as error:  # raised on purpose, written for the user
            ls.status.show(error.message, types.MessageType.Error)
            raise
        except Exception as error:
            log.exception("%s failed", name)
            message = f"{name} failed: {error}; see the server log."
            ls.status.show(message, types.MessageType.Error)
            raise JsonRpcInternalError(message) from error

    server.command(name)(run)


def client_of(ls: OllamaLanguageServer) -> OllamaClient:
    if ls.client is None:
        raise JsonRpcInternalError("ollama-lsp is still starting; try again in a moment.")
    return ls.client


def endpoint_of(ls: OllamaLanguageServer) -> str:
    """The endpoint that pulls and deletes go to: the first configured one."""
    return client_of(ls).settings.endpoints[0]


async def ask(ls: OllamaLanguageServer, message: str, *actions: str) -> str | None:
    """``window/showMessageRequest``; the chosen action's title, or None when dismissed."""
    request = ls.window_show_message_request_async(
        types.ShowMessageRequestParams(
            type=types.MessageType.Warning,
            message=message,
            actions=[types.MessageActionItem(title=title) for title in actions],
        )
    )
    chosen = await asyncio.shield(request)
    return chosen.title if chosen is not None else None
