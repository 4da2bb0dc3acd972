"""The backend: the Ollama client and provider built from the settings, the completion
pipeline and the next-edit engine.

:class:`Backend` is the one owner of all four. Connection settings changed -> a new client
(the old one is closed in the background). Completion settings changed, or the memory monitor
shrank the context window -> the pipeline is reconfigured, here and nowhere else (the
next-edit engine likewise, from its own settings). The
completion model is loaded ahead of the first keystroke (status ``loading``) so the first
suggestion does not pay for it.
"""

from __future__ import annotations

import dataclasses
import logging
import ssl
from typing import TYPE_CHECKING

import attrs
from lsprotocol import types
from pygls.exceptions import JsonRpcInternalError

from ollama_lsp.completion.pipeline import CompletionPipeline, PipelineObserver
from ollama_lsp.errors import AiError
from ollama_lsp.models import Role
from ollama_lsp.nextedit import NextEditEngine, NextEditObserver, NextEditOptions
from ollama_lsp.ollama import WITHHELD_ADVICE, ClientSettings, OllamaClient
from ollama_lsp.providers import AiResponseCache, OllamaProvider
from ollama_lsp.server.log import remember_secrets
from ollama_lsp.server.status import StatusReporter
from ollama_lsp.settings import Settings

if TYPE_CHECKING:
    from ollama_lsp.server.server import OllamaLanguageServer

__all__ = ["Backend", "NextEditStatusObserver", "StatusObserver"]

log = logging.getLogger(__name__)


def _still_starting() -> JsonRpcInternalError:
    return JsonRpcInternalError("ollama-lsp is still starting; try again in a moment.")


class StatusObserver(PipelineObserver):
    """Turns pipeline events into ``ollama/status`` updates and once-per-kind messages."""

    def __init__(self, status: StatusReporter) -> None:
        self.status = status

    def generation_started(self, model: str) -> None:
        self.status.generation_started(model)

    def generation_finished(self, model: str, tokens_per_second: float | None) -> None:
        self.status.generation_finished(model, tokens_per_second)

    def succeeded(self) -> None:
        self.status.succeeded()

    def failed(self, error: AiError, model: str) -> None:
        self.status.failed(type(error).__name__, error.message, model=model)


class NextEditStatusObserver(NextEditObserver):
    """A next edit that fails is told to the user as a completion that fails is."""

    def __init__(self, status: StatusReporter) -> None:
        self.status = status

    def succeeded(self) -> None:
        self.status.succeeded()

    def failed(self, error: AiError, model: str) -> None:
        self.status.failed(type(error).__name__, error.message, model=model)


def next_edit_options(settings: Settings) -> NextEditOptions:
    """The next-edit engine's view of the settings: its own model, completion's exclusions,
    languages and debounce."""
    ne, completion = settings.next_edit, settings.completion
    return NextEditOptions(
        model=ne.model,
        num_ctx=ne.num_ctx,
        max_tokens=ne.max_tokens,
        temperature=ne.temperature,
        exclude=completion.exclude,
        languages=completion.languages,
        disabled_languages=completion.disabled_languages,
        debounce_min_ms=completion.debounce.min_ms,
        debounce_max_ms=completion.debounce.max_ms,
    )


class Backend:
    """The client, the provider, the completion pipeline and the next-edit engine."""

    def __init__(self, server: OllamaLanguageServer) -> None:
        self._server = server
        self._client: OllamaClient | None = None
        self._provider: OllamaProvider | None = None
        self.pipeline = CompletionPipeline(
            None, server.settings.completion, observers=[StatusObserver(server.status)]
        )
        self.next_edits = NextEditEngine(
            None,
            next_edit_options(server.settings),
            observers=[NextEditStatusObserver(server.status)],
        )
        self._num_ctx_limit: int | None = None

    @property
    def client(self) -> OllamaClient:
        """The current client; a clear error while the first settings are still to come."""
        if self._client is None:
            raise _still_starting()
        return self._client

    @property
    def provider(self) -> OllamaProvider:
        """The provider on the current client; the same error as :attr:`client` before it."""
        if self._provider is None:
            raise _still_starting()
        return self._provider

    @property
    def connected(self) -> bool:
        return self._client is not None

    @property
    def endpoint(self) -> str:
        """The endpoint that pulls and deletes go to: the first configured one."""
        return self.client.settings.endpoints[0]

    def num_ctx_for(self, role: Role) -> int:
        """The context window ``role``'s model runs with (completion's may be shrunk)."""
        if role == "completion":
            return self.pipeline.settings.num_ctx
        if role == "nextEdit":
            return self._server.settings.next_edit.num_ctx
        return self._server.settings.chat.num_ctx

    async def settings_changed(self, new: Settings, old: Settings) -> None:
        """Reconnect if the connection changed, reconfigure the pipeline, warm the model."""
        wanted = new.client_settings()
        previous = self._client
        reconnect = previous is None or previous.settings != wanted
        if reconnect:
            self._client = self._connect(wanted)
            self._provider = OllamaProvider(self._client, AiResponseCache())
            if previous is not None:
                self._server.spawn(previous.aclose(), "close the previous Ollama client")
            log.info("Ollama endpoints: %s", ", ".join(wanted.endpoints))
        self.provider.keep_alive = new.keep_alive
        self._configure()

        def model_of(settings: Settings) -> tuple[object, ...]:
            return (settings.completion.model, settings.completion.enabled, settings.keep_alive)

        if reconnect or model_of(new) != model_of(old):
            self._server.spawn(self.warm_up(new), "load the completion model")

    def _connect(self, wanted: ClientSettings) -> OllamaClient:
        """A client for ``wanted``; a CA bundle that cannot be used is said, not fatal (the
        system's certificates are used instead), and withheld credentials are said once."""
        remember_secrets(wanted.secrets)
        status = self._server.status
        for endpoint in wanted.withheld_from:
            status.show(WITHHELD_ADVICE.format(endpoint=endpoint), types.MessageType.Warning)
        try:
            return OllamaClient(wanted)
        except (OSError, ssl.SSLError) as exc:
            status.show(
                f"`tls.caBundle` {wanted.ca_bundle} cannot be used ({exc}); using the system's "
                "certificates",
                types.MessageType.Error,
            )
            return OllamaClient(dataclasses.replace(wanted, ca_bundle=None))

    def limit_num_ctx(self, num_ctx: int | None) -> None:
        """Run completions with ``num_ctx`` instead of the configured window (None: as set)."""
        self._num_ctx_limit = num_ctx
        self._configure()

    def _configure(self) -> None:
        completion = self._server.settings.completion
        limit = self._num_ctx_limit
        if limit is not None and limit != completion.num_ctx:
            completion = attrs.evolve(completion, num_ctx=limit)
        root = self._server.workspace_root
        self.pipeline.configure(completion, self._provider, root)
        self.next_edits.configure(next_edit_options(self._server.settings), self._provider, root)

    async def warm_up(self, settings: Settings) -> None:
        """Load the completion model now, reporting ``loading`` while it happens."""
        status, model = self._server.status, settings.completion.model
        if not settings.completion.enabled:
            status.set("disabled", model=model, message="Inline completion is disabled")
            return
        status.set("loading", model=model, message=f"Loading {model}")
        try:
            await self.client.load(model, keep_alive=settings.keep_alive)
        except AiError as exc:
            status.failed(type(exc).__name__, exc.message, model=model)
            return
        status.succeeded()
        if status.current.state == "loading":
            status.set("idle", model=model)

    async def aclose(self) -> None:
        """Stop the generations and close the client."""
        await self.pipeline.aclose()
        await self.next_edits.aclose()
        if self._client is not None:
            await self._client.aclose()
