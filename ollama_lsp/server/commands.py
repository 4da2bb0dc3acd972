"""What every ``ollama.*`` command shares: its one argument, asking and telling.

A command fails in two ways at once: the editor's request gets a JSON-RPC error whose message is
the user-facing text, and the user sees it in a ``window/showMessage`` (an editor calling a
command from a palette often shows nothing for a failed request).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams

from ollama_lsp.errors import AiError
from ollama_lsp.models import Role, parse_role
from ollama_lsp.server.server import OllamaLanguageServer, OllamaProtocol

__all__ = [
    "Args",
    "ask",
    "optional_role",
    "optional_str",
    "register_command",
    "required_str",
]

log = logging.getLogger(__name__)

Args = Mapping[str, Any]
Handler = Callable[[OllamaLanguageServer, Args], Awaitable[Any]]


def _argument(arguments: tuple[Any, ...]) -> Args:
    """The command's one argument: a JSON object; none (missing ``arguments``, ``[]``,
    ``[null]``) is an empty one, as clients send for commands without arguments."""
    if len(arguments) > 1:
        raise JsonRpcInvalidParams("ollama-lsp commands take one argument, a JSON object.")
    argument = arguments[0] if arguments else None
    if argument is None:
        return {}
    if isinstance(argument, Mapping):
        return argument
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


def optional_role(args: Args) -> Role | None:
    """The ``role`` argument, if given."""
    value = args.get("role")
    if value is None:
        return None
    try:
        return parse_role(value)
    except ValueError as exc:
        raise JsonRpcInvalidParams(str(exc)) from None


def register_command(server: OllamaLanguageServer, name: str, handler: Handler) -> None:
    """Register ``handler(ls, argument)`` as command ``name``; failures reach the user.

    ``handler`` is usually a module-level function with the services it needs bound by
    :func:`functools.partial`.
    """

    async def run(ls: OllamaLanguageServer, *arguments: Any) -> Any:
        if isinstance(ls.protocol, OllamaProtocol):
            ls.protocol.track_command()
        try:
            await ls.ready.wait()
            return await handler(ls, _argument(arguments))
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
