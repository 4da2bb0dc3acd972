"""Fit checks before a load: does this model, at this role's context, fit the machine?"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from pygls.exceptions import JsonRpcInternalError

from ollama_lsp.models import (
    DetailsLike,
    FitResult,
    Role,
    check_fit,
    find_entry,
    format_parameter_count,
    normalize_name,
    split_tag,
)
from ollama_lsp.models.benchmark import installed_levels
from ollama_lsp.ollama import OpenAIClient
from ollama_lsp.server.backend import Backend
from ollama_lsp.server.memory.hardware import machine_hardware

if TYPE_CHECKING:
    from ollama_lsp.server.server import OllamaLanguageServer

__all__ = ["FitCheck"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Details:
    parameter_size: str | None
    quantization_level: str | None


class FitCheck:
    """Sizes a model from what Ollama says of it (or of a sibling level, or the catalog)."""

    def __init__(self, server: OllamaLanguageServer, backend: Backend) -> None:
        self._server = server
        self._backend = backend

    async def check(self, model: str, role: Role, *, source: str | None = None) -> FitResult:
        """Whether ``model`` fits for ``role``; ``source`` (an installed level) gives the shape.

        The role's current model is counted as free: loading the new one replaces it. A
        ``ValueError`` says the model cannot be sized at all.
        """
        client = self._backend.client
        hardware = await machine_hardware()
        summaries = {normalize_name(m.name): m for m in await client.list_models()}
        running = await client.running()
        current = normalize_name(self._server.settings.model_for(role))
        freed = sum(m.size - m.size_vram for m in running if normalize_name(m.name) == current)
        hardware = replace(
            hardware, available_ram=min(hardware.total_ram, hardware.available_ram + freed)
        )
        installed = summaries.get(normalize_name(model))
        details: DetailsLike
        size: int | None = None
        model_info: Mapping[str, object] | None = None
        if installed is not None:
            info = await client.show(model)
            details, size, model_info = info.details, installed.size, info.model_info
        else:
            level = split_tag(model).level
            level_name = level.name if level else None
            names = [m.name for m in summaries.values()]
            shape = source or next((v.tag for v in installed_levels(model, names)), None)
            if shape is not None:
                info = await client.show(shape)
                details = _Details(info.details.parameter_size, level_name)
                model_info = info.model_info
            else:
                known = find_entry(model)
                if known is None:
                    raise ValueError(f"cannot size {model}: not installed and not in the catalog")
                entry, _ = known
                details = _Details(format_parameter_count(entry.parameter_count), level_name)
        return check_fit(
            model,
            details,
            hardware,
            num_ctx=self._backend.num_ctx_for(role),
            size_bytes=size,
            model_info=model_info,
        )

    async def ensure(self, model: str, role: Role, *, source: str | None = None) -> None:
        """Refuse (a JSON-RPC error with the fit message) a model that would not fit."""
        if not self._server.settings.memory.check_fit:
            return
        if isinstance(self._backend.client_for(model), OpenAIClient):
            return  # such a server loads what it was started with, in its own memory
        try:
            result = await self.check(model, role, source=source)
        except ValueError as exc:
            log.info("fit check skipped: %s", exc)
            return
        log.info("fit check: %s", result.message)
        if not result.fits:
            raise JsonRpcInternalError(result.message)
