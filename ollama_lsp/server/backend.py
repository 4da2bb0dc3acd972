"""The backend: the endpoints' clients and providers built from the settings, the completion
pipeline and the next-edit engine.

:class:`Backend` is the one owner of them all. Connection settings changed -> a new
:class:`~ollama_lsp.providers.Fleet` (the old one is closed in the background): a client per
endpoint, Ollama or OpenAI-compatible, and the router that spreads requests over them.
Completion settings changed, or the memory monitor shrank the context window -> the pipeline
is reconfigured, here and nowhere else (the next-edit engine likewise, from its own settings).
The completion model is loaded ahead of the first keystroke (status ``loading``) so the first
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

from ollama_lsp.completion.pipeline import CompletionPipeline, GenerationReport, PipelineObserver
from ollama_lsp.errors import AiError
from ollama_lsp.models import Role
from ollama_lsp.nextedit import NextEditEngine, NextEditObserver, NextEditOptions
from ollama_lsp.ollama import WITHHELD_ADVICE, ClientSettings, OllamaClient, OllamaUnreachable
from ollama_lsp.providers import AiResponseCache, Fleet, ModelClient
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

    def suggestion_made(self, report: GenerationReport) -> None:
        self.status.suggestion_made(report)

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
    """The endpoints (a :class:`Fleet`), the completion pipeline and the next-edit engine of
    one server."""

    def __init__(self, server: OllamaLanguageServer) -> None:
        self._server = server
        self._fleet: Fleet | None = None
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
    def fleet(self) -> Fleet:
        """The endpoints; a clear error while the first settings are still to come."""
        if self._fleet is None:
            raise _still_starting()
        return self._fleet

    @property
    def provider(self) -> Fleet:
        """What completions and chat ask: the fleet, which routes each request."""
        return self.fleet

    @property
    def client(self) -> ModelClient:
        """The client of the endpoint a request without a model goes to (the first healthy)."""
        return self.fleet.client_for()

    def client_for(self, model: str) -> ModelClient:
        """The client of the endpoint that would serve ``model``: to show, load or unload it."""
        return self.fleet.client_for(model)

    def ollama_for(self, action: str, model: str | None = None) -> OllamaClient:
        """The Ollama endpoint's client to ``action`` (pull, delete, quantize, benchmark)
        ``model``; ``NotSupported`` with what to do instead when only OpenAI-compatible
        servers are configured."""
        return self.fleet.ollama_for(action, model)

    def ollama_at(self, endpoint: str) -> OllamaClient:
        """The client of the Ollama ``endpoint`` (a pull queued for it starts with it)."""
        member = next((m for m in self.fleet.members if m.url == endpoint), None)
        if member is None or not isinstance(member.client, OllamaClient):
            raise OllamaUnreachable(
                f"{endpoint} is no longer an Ollama endpoint in ollama.endpoints", endpoint=endpoint
            )
        return member.client

    @property
    def connected(self) -> bool:
        return self._fleet is not None

    @property
    def endpoint(self) -> str:
        """The endpoint a request without a model goes to (the first healthy one)."""
        return self.fleet.endpoint_for()

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
        previous = self._fleet
        reconnect = previous is None or previous.settings != wanted
        if reconnect:
            self._fleet = self._connect(wanted)
            if previous is not None:
                self._server.spawn(previous.aclose(), "close the previous endpoints")
            log.info(
                "endpoints: %s",
                ", ".join(f"{m.url} ({m.api})" for m in self._fleet.members),
            )
        self.fleet.keep_alive = new.keep_alive
        self.fleet.stall_timeout = new.timeouts.completion_stall
        self._configure()

        def model_of(settings: Settings) -> tuple[object, ...]:
            return (settings.completion.model, settings.completion.enabled, settings.keep_alive)

        if reconnect or model_of(new) != model_of(old):
            self._server.spawn(self.warm_up(new), "load the completion model")

    def _connect(self, wanted: ClientSettings) -> Fleet:
        """The endpoints of ``wanted``; a CA bundle that cannot be used is said, not fatal (the
        system's certificates are used instead), and withheld credentials are said once."""
        remember_secrets(wanted.secrets)
        status = self._server.status
        for endpoint in wanted.withheld_from:
            status.show(WITHHELD_ADVICE.format(endpoint=endpoint), types.MessageType.Warning)
        try:
            return Fleet(wanted, AiResponseCache())
        except (OSError, ssl.SSLError) as exc:
            status.show(
                f"`tls.caBundle` {wanted.ca_bundle} cannot be used ({exc}); using the system's "
                "certificates",
                types.MessageType.Error,
            )
            return Fleet(dataclasses.replace(wanted, ca_bundle=None), AiResponseCache())

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
        self.pipeline.configure(completion, self._fleet, root)
        self.next_edits.configure(next_edit_options(self._server.settings), self._fleet, root)

    async def warm_up(self, settings: Settings) -> None:
        """Load the completion model now, reporting ``loading`` while it happens."""
        status, model = self._server.status, settings.completion.model
        if not settings.completion.enabled:
            status.set("disabled", model=model, message="Inline completion is disabled")
            return
        status.set("loading", model=model, message=f"Loading {model}")
        try:
            await self.client_for(model).load(model, keep_alive=settings.keep_alive)
        except AiError as exc:
            status.failed(type(exc).__name__, exc.message, model=model)
            return
        status.succeeded()
        if status.current.state == "loading":
            status.set("idle", model=model)

    async def aclose(self) -> None:
        """Stop the generations and close the clients."""
        await self.pipeline.aclose()
        await self.next_edits.aclose()
        if self._fleet is not None:
            await self._fleet.aclose()
