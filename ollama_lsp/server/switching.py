"""Making a model a role's model at run time, as ``ollama.switchModel`` and
``ollama.setQuantization`` do: load it (with progress), lay it over the user's settings, and
unload the model it replaced."""

from __future__ import annotations

import logging
import time
from typing import Any

from ollama_lsp.errors import AiError
from ollama_lsp.models import ROLES, Role
from ollama_lsp.server.backend import Backend
from ollama_lsp.server.server import OllamaLanguageServer, command_work_done_token
from ollama_lsp.settings import Settings

__all__ = ["ChosenModels", "use_model"]

log = logging.getLogger(__name__)


class ChosenModels:
    """Models chosen at run time, laid over the user's settings (a settings override).

    A choice remembers the user's value it replaced; it holds while the user's settings still
    say that value, and is dropped as soon as the user sets the role's model themselves.
    """

    def __init__(self) -> None:
        self._chosen: dict[Role, tuple[str, str]] = {}

    def choose(self, role: Role, model: str, user_settings: Settings) -> None:
        """Lay ``model`` over the role's model in the user's settings."""
        self._chosen[role] = (model, user_settings.model_for(role))

    def __call__(self, settings: Settings) -> Settings:
        for role, (model, user_value) in list(self._chosen.items()):
            if settings.model_for(role) in (user_value, model):
                settings = settings.with_model(role, model)
            else:
                del self._chosen[role]
        return settings


async def use_model(
    ls: OllamaLanguageServer, backend: Backend, chosen: ChosenModels, role: Role, model: str
) -> dict[str, Any]:
    """Load ``model`` and make it the ``role`` model; the previous one is unloaded unless the
    other role uses it. The model must be pulled and fit (the callers check)."""
    previous = ls.settings.model_for(role)
    started = time.monotonic()
    async with ls.work_progress(f"Loading {model}", token=command_work_done_token()):
        loaded = await backend.client_for(model).load(model, keep_alive=ls.settings.keep_alive)
    wall_ms = (time.monotonic() - started) * 1000
    metrics = loaded.metrics if loaded is not None else None  # OpenAI-compatible: no load
    load_ns = metrics.load_duration if metrics is not None else None
    load_ms = round(load_ns / 1e6 if load_ns else wall_ms)
    chosen.choose(role, model, ls.user_settings)
    await ls.apply_settings(ls.user_settings)
    shared = any(r != role and ls.settings.model_for(r) == previous for r in ROLES)
    if previous and previous != model and not shared:
        try:
            await backend.client_for(previous).unload(previous)
        except AiError as error:
            log.info("could not unload %s: %s", previous, error.message)
    ls.status.show(f"The {role} model is now {model} (loaded in {_duration(load_ms)}).")
    return {"model": model, "role": role, "loadMs": load_ms}


def _duration(ms: float) -> str:
    """`850 ms`, `3.0 s`: as precise as a person reads a load time."""
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"
