"""The backend: an Ollama client and provider built from the settings, and the pipeline.

Connection settings changed -> a new client (the old one is closed in the background).
Completion settings changed -> the pipeline is reconfigured. The completion model is loaded
ahead of the first keystroke (status ``loading``) so the first suggestion does not pay for it.
"""

from __future__ import annotations

import logging

from ollama_lsp.completion.pipeline import CompletionPipeline
from ollama_lsp.ollama import AiError, ClientSettings, OllamaClient
from ollama_lsp.providers import AiResponseCache, OllamaProvider
from ollama_lsp.server.server import OllamaLanguageServer
from ollama_lsp.server.settings import Settings
from ollama_lsp.server.status import StatusReporter

__all__ = ["StatusObserver", "client_settings", "register"]

log = logging.getLogger(__name__)


class StatusObserver:
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


def client_settings(settings: Settings) -> ClientSettings:
    """The client's settings: ours where given, ``OLLAMA_HOST`` / ``OLLAMA_API_KEY`` otherwise."""
    return ClientSettings.from_env(
        endpoints=settings.endpoints or None,
        api_key=settings.api_key,
        headers=dict(settings.headers),
        verify_tls=settings.tls.verify,
        ca_bundle=settings.tls.ca_bundle,
        connect_timeout=settings.timeouts.connect,
        read_timeout=settings.timeouts.read,
        first_token_timeout=settings.timeouts.first_token,
    )


async def warm_up(ls: OllamaLanguageServer, client: OllamaClient, settings: Settings) -> None:
    """Load the completion model now, reporting ``loading`` while it happens."""
    model = settings.completion.model
    if not settings.completion.enabled:
        ls.status.set("disabled", model=model, message="Inline completion is disabled")
        return
    ls.status.set("loading", model=model, message=f"Loading {model}")
    try:
        await client.load(model, keep_alive=settings.keep_alive)
    except AiError as exc:
        ls.status.failed(type(exc).__name__, exc.message, model=model)
        return
    ls.status.succeeded()
    if ls.status.current.state == "loading":
        ls.status.set("idle", model=model)


def register(server: OllamaLanguageServer) -> None:
    pipeline = CompletionPipeline(
        None, server.settings.completion, observer=StatusObserver(server.status)
    )
    server.pipeline = pipeline

    @server.on_settings
    async def rebuild(new: Settings, old: Settings) -> None:
        wanted = client_settings(new)
        client = server.client
        reconnect = client is None or client.settings != wanted
        if client is None or reconnect:
            previous, client = client, OllamaClient(wanted)
            server.client = client
            server.provider = OllamaProvider(client, AiResponseCache())
            if previous is not None:
                server.spawn(previous.aclose(), "close the previous Ollama client")
            log.info("Ollama endpoints: %s", ", ".join(wanted.endpoints))
        if isinstance(server.provider, OllamaProvider):
            server.provider.keep_alive = new.keep_alive
        pipeline.configure(new.completion, server.provider, server.workspace.root_path)

        def model_of(settings: Settings) -> tuple[object, ...]:
            return (settings.completion.model, settings.completion.enabled, settings.keep_alive)

        if reconnect or model_of(new) != model_of(old):
            server.spawn(warm_up(server, client, new), "load the completion model")

    @server.on_shutdown
    async def close(ls: OllamaLanguageServer) -> None:
        await pipeline.aclose()
        if ls.client is not None:
            await ls.client.aclose()
