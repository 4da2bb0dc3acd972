"""The language server object: settings, status, background tasks and guarded handlers.

Features (``server/features/*.py``) hold the behaviour and the services
(``server/services.py``) the machinery they share; this object holds what belongs to the LSP
session itself: the typed settings and their listeners (:meth:`OllamaLanguageServer.on_settings`),
the ``ollama/status`` reporter, workDoneProgress, shutdown hooks and a registry of background
tasks.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from typing import Any, ParamSpec, TypeVar, overload
from urllib.parse import unquote

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from ollama_lsp import __version__
from ollama_lsp.errors import AiError
from ollama_lsp.server.progress import ProgressHandle, work_progress
from ollama_lsp.server.status import StatusReporter
from ollama_lsp.settings import SettingProblem, Settings

__all__ = [
    "OllamaLanguageServer",
    "OllamaProtocol",
    "SettingsListener",
    "ShutdownHook",
    "command_work_done_token",
    "guarded",
    "guarded_notification",
]

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")
SettingsListener = Callable[[Settings, Settings], Awaitable[None] | None]
ShutdownHook = Callable[["OllamaLanguageServer"], Awaitable[None]]


#: The ``workDoneToken`` of the ``workspace/executeCommand`` request being handled (pygls passes
#: command handlers only the arguments).
_command_token: contextvars.ContextVar[types.ProgressToken | None] = contextvars.ContextVar(
    "command_work_done_token", default=None
)


#: The id of the ``workspace/executeCommand`` request being handled.
_command_request: contextvars.ContextVar[Any] = contextvars.ContextVar(
    "command_request", default=None
)


def command_work_done_token() -> types.ProgressToken | None:
    """The progress token the client sent with the command request being handled, if any."""
    return _command_token.get()


class _Ignored:
    """A message already answered while parsing it; pygls skips it (wrong ``jsonrpc``)."""

    jsonrpc = None


class OllamaProtocol(LanguageServerProtocol):
    """pygls's protocol with robustness fixes and a faster dispatch.

    - A request whose params do not parse gets an ``InvalidParams`` error answer; pygls 2.1.1
      only logs it, and the client waits for an answer forever.
    - A late response to a server->client request we gave up on is ignored; pygls 2.1.1 raises
      ``InvalidStateError`` and shows the user an error (pygls issue #621).
    - A command handler can read the request's ``workDoneToken`` (:func:`command_work_done_token`).
    - ``$/cancelRequest`` of a command cancels the command's task (:meth:`track_command`);
      pygls 2.1.1 runs commands under a generator whose cancellation never reaches them.
    - Requests and notifications are told apart by their fields (:meth:`handle_message`).
    - ``didChange`` for a document never opened is ignored (pygls 2.1.1 raises ``KeyError``),
      and a change whose range starts after its end is refused (pygls would duplicate text).
    - A handler's future is forgotten once it is done. pygls 2.1.1 forgets only a request's
      own: the futures of notifications and of the steps of its generator handlers
      (``didChange``, ``workspace/executeCommand``...), results included, stayed for the life
      of the server: RSS 59 -> 214 MiB in ten minutes of typing in ten documents.
    """

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if "id" in data and "method" in data:
                log.warning("%s request with unusable params: %s", data.get("method"), exc)
                self._send_response(data["id"], error=exc.to_response_error())
                return _Ignored()
            raise

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._command_tasks: dict[Any, asyncio.Task[Any]] = {}

    def _execute_handler(
        self,
        msg_id: Any,
        handler: Any,
        callback: Any,
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        super()._execute_handler(msg_id, handler, callback, args, kwargs)
        future, loop = self._request_futures.get(msg_id), None
        with contextlib.suppress(RuntimeError):  # no loop: nothing runs, nothing to forget
            loop = asyncio.get_running_loop()
        if future is not None and loop is not None:
            future.add_done_callback(
                lambda done: loop.call_soon_threadsafe(self._forget_future, msg_id, done)
            )

    def _forget_future(self, msg_id: Any, future: Any) -> None:
        """Drop a done future, later on the loop: a future's callbacks may run while pygls
        walks the dict (``shutdown`` cancels them all), or in a worker thread."""
        if self._request_futures.get(msg_id) is future:
            del self._request_futures[msg_id]

    def handle_message(self, message: Any) -> None:
        """Dispatch a request or notification; anything else goes to pygls's own dispatch.

        pygls tells messages apart with ``isinstance`` against ``typing.Protocol`` classes,
        which on Python 3.11 walks each protocol's attributes on every check: a tenth of a
        millisecond for the two messages of every keystroke (a change and a completion).
        """
        method = getattr(message, "method", None)
        if method is None or self._shutdown or message.jsonrpc != self.VERSION:
            super().handle_message(message)
            return
        context = contextvars.copy_context()
        if hasattr(message, "id"):
            context.run(self._handle_request, message.id, method, message.params)
        else:
            context.run(self._handle_notification, method, message.params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        uri = params.text_document.uri
        if unquote(uri) not in self.workspace.text_documents:
            log.warning("didChange for %s, which was never opened: ignored", uri)
            return
        for change in params.content_changes:
            if isinstance(change, types.TextDocumentContentChangePartial) and _reversed(
                change.range
            ):
                log.warning(
                    "didChange for %s: the range %s starts after its end: change refused "
                    "(the editor and the server may now disagree; reopen the file)",
                    uri,
                    change.range,
                )
                continue
            self.workspace.update_text_document(params.text_document, change)
        handler = self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)
        if handler is not None:
            yield handler, (params,), None

    @lsp_method(types.WORKSPACE_EXECUTE_COMMAND)
    def lsp_workspace__execute_command(self, params: types.ExecuteCommandParams) -> Any:
        _command_token.set(params.work_done_token)
        _command_request.set(self.msg_id)
        return (yield from super().lsp_workspace__execute_command(params))

    def track_command(self) -> None:
        """Let ``$/cancelRequest`` of the command being handled cancel the current task."""
        msg_id, task = _command_request.get(), asyncio.current_task()
        if msg_id is None or task is None:
            return
        self._command_tasks[msg_id] = task
        task.add_done_callback(lambda _: self._command_tasks.pop(msg_id, None))

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        super()._handle_cancel_notification(msg_id)
        task = self._command_tasks.pop(msg_id, None)
        if task is not None:
            task.cancel()

    def _handle_response(self, msg_id: Any, result: Any | None = None, error: Any = None) -> None:
        future = self._request_futures.get(msg_id)
        if future is not None and future.done():
            self._request_futures.pop(msg_id, None)
            log.debug("ignoring a late response to request %s", msg_id)
            return
        super()._handle_response(msg_id, result, error)


def _reversed(span: types.Range) -> bool:
    start, end = span.start, span.end
    return (start.line, start.character) > (end.line, end.character)


class OllamaLanguageServer(LanguageServer):
    """ollama-lsp's server: one instance per editor session.

    ``settings`` are the current :class:`Settings` (defaults until the client's arrive, then
    ``ready`` is set); ``status`` reports ``ollama/status`` and shows messages.
    """

    def __init__(self) -> None:
        super().__init__(
            "ollama-lsp",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=OllamaProtocol,
        )
        self.settings = Settings()
        #: The settings as the user gave them, before ``settings_overrides``.
        self.user_settings = Settings()
        self.init_options: Any = None
        self.status = StatusReporter(self)
        self._settings_listeners: list[SettingsListener] = []
        #: Applied to every new settings object before it is adopted (e.g. ``switchModel``).
        self.settings_overrides: list[Callable[[Settings], Settings]] = []
        self._shutdown_hooks: list[ShutdownHook] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._reported_errors: set[str] = set()
        #: Set once the first settings are applied; requests before that wait for it.
        self.ready = asyncio.Event()

    @property
    def workspace_root(self) -> str | None:
        """The workspace's root path; None before ``initialize`` or without a workspace."""
        try:
            root: str | None = self.workspace.root_path
        except RuntimeError:  # not initialized yet
            return None
        return root

    # -- settings ---------------------------------------------------------------------------

    def on_settings(self, listener: SettingsListener) -> SettingsListener:
        """Call ``listener(new, old)`` whenever the settings change (usable as a decorator)."""
        self._settings_listeners.append(listener)
        return listener

    def on_shutdown(self, hook: ShutdownHook) -> ShutdownHook:
        """Await ``hook(server)`` on ``shutdown`` (usable as a decorator)."""
        self._shutdown_hooks.append(hook)
        return hook

    async def shutdown_features(self) -> None:
        """Run the shutdown hooks, then stop the background tasks."""
        for hook in self._shutdown_hooks:
            try:
                await hook(self)
            except Exception:
                log.exception("a shutdown hook failed")
        await self.cancel_background()

    async def apply_settings(
        self, settings: Settings, problems: list[SettingProblem] | None = None
    ) -> None:
        """Adopt the user's ``settings`` (with the overrides laid over them), tell the user once
        about bad keys, notify the listeners."""
        if problems:
            lines = "; ".join(p.describe() for p in problems)
            self.status.show(f"ollama-lsp: invalid settings: {lines}.", types.MessageType.Warning)
            log.warning("invalid settings: %s", lines)
        self.user_settings = settings
        for override in self.settings_overrides:
            settings = override(settings)
        old, self.settings = self.settings, settings
        if old == settings and self.ready.is_set():
            return
        for listener in list(self._settings_listeners):
            try:
                result = listener(settings, old)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("a settings listener failed")
        self.ready.set()

    # -- tasks and progress -----------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run ``coro`` in the background; kept referenced, its failure logged, never lost."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("background task %s failed", name, exc_info=t.exception())

        task.add_done_callback(done)
        return task

    async def cancel_background(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def work_progress(
        self,
        title: str,
        *,
        token: types.ProgressToken | None = None,
        cancellable: bool = False,
        message: str | None = None,
    ) -> AbstractAsyncContextManager[ProgressHandle]:
        """workDoneProgress for a block; see :func:`ollama_lsp.server.progress.work_progress`."""
        return work_progress(self, title, token=token, cancellable=cancellable, message=message)

    # -- errors -----------------------------------------------------------------------------

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Log every internal error; show the user only the first of each kind."""
        if source.__name__ == "FeatureRequestError":  # already answered as a JSON-RPC error
            log.debug("request failed: %s", error)
            return
        log.error("internal error (%s): %s", source.__name__, error)
        kind = type(error).__name__
        if kind in self._reported_errors:
            return
        self._reported_errors.add(kind)
        self.status.show(
            f"ollama-lsp: internal error ({kind}: {error}); see the server log.",
            types.MessageType.Error,
        )


def _name_of(handler: Callable[..., Any]) -> str:
    """The handler's qualified name, through the partials that bind its services."""
    while isinstance(handler, functools.partial):
        handler = handler.func
    return str(getattr(handler, "__qualname__", handler))


def guarded(
    handler: Callable[P, Awaitable[R]],
) -> Callable[P, Coroutine[Any, Any, R | None]]:
    """Wrap a feature handler so that its failure is logged and answered, never fatal.

    A request gets a JSON-RPC error: an ``AiError`` (or any JSON-RPC error raised on purpose)
    keeps its user-facing message; anything else becomes an internal error naming the
    handler. Cancellation still propagates (pygls then answers ``RequestCancelled``).
    """
    name = _name_of(handler)

    @functools.wraps(handler)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | None:
        try:
            return await handler(*args, **kwargs)
        except (asyncio.CancelledError, JsonRpcException):
            raise
        except AiError as exc:
            log.info("%s: %s", name, exc.message)
            raise JsonRpcInternalError(exc.message) from exc
        except Exception as exc:
            log.exception("%s failed", name)
            raise JsonRpcInternalError(f"{name} failed: {exc}") from exc

    return wrapper


@overload
def guarded_notification(
    handler: Callable[P, Awaitable[None]],
) -> Callable[P, Coroutine[Any, Any, None]]: ...


@overload
def guarded_notification(handler: Callable[P, None]) -> Callable[P, None]: ...


def guarded_notification(handler: Callable[P, Any]) -> Callable[P, Any]:
    """Like :func:`guarded` for notifications: there is nobody to answer, so log and go on.

    A plain function stays plain, and pygls runs it at once: document changes take that path,
    so a keystroke schedules no task of its own before its completion request is read.
    """
    name = _name_of(handler)
    if not inspect.iscoroutinefunction(handler):

        @functools.wraps(handler)
        def call(*args: P.args, **kwargs: P.kwargs) -> None:
            try:
                handler(*args, **kwargs)
            except Exception:
                log.exception("%s failed", name)

        return call

    @functools.wraps(handler)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await handler(*args, **kwargs)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed", name)

    return wrapper
