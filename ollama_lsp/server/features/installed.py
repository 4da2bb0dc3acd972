"""The models installed on the endpoint: ``ollama.listModels`` (with the catalog and what to
pull), ``showModel``, ``runningModels`` and ``deleteModel``; the list is recorded in the store."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from functools import partial
from typing import Any

from ollama_lsp.families import family_for
from ollama_lsp.models import (
    ROLES,
    Hardware,
    Role,
    catalog_items,
    check_fit,
    format_bytes,
    recommend,
)
from ollama_lsp.ollama import ModelDetails, ModelNotFound, ModelSummary
from ollama_lsp.server.backend import Backend
from ollama_lsp.server.commands import Args, ask, register_command, required_str
from ollama_lsp.server.memory import machine_hardware
from ollama_lsp.server.server import OllamaLanguageServer
from ollama_lsp.settings import Settings
from ollama_lsp.store import ModelRecord, ModelStore, parse_timestamp

__all__ = ["delete_model", "list_models", "register", "running_models", "show_model"]

log = logging.getLogger(__name__)


def _roles_of(settings: Settings, name: str) -> list[Role]:
    return [role for role in ROLES if settings.model_for(role) == name]


def _supports_fim(summary: ModelSummary) -> bool:
    if summary.capabilities:
        return "insert" in summary.capabilities
    family = family_for(summary.name)
    return family is not None and family.fim_template is not None


def _record(summary: ModelSummary) -> ModelRecord:
    details = summary.details
    return ModelRecord(
        name=summary.name,
        digest=summary.digest,
        size=summary.size,
        family=details.family or "",
        quantization=details.quantization_level or "",
        parameter_size=details.parameter_size or "",
        modified=parse_timestamp(summary.modified_at),
    )


def _fits(tag: str, details: ModelDetails, size: int, hardware: Hardware, num_ctx: int) -> Any:
    try:
        return check_fit(tag, details, hardware, num_ctx=num_ctx, size_bytes=size).fits
    except ValueError:
        return None


async def _record_models(store: ModelStore, endpoint: str, summaries: list[ModelSummary]) -> None:
    try:
        await asyncio.to_thread(store.upsert_models, endpoint, map(_record, summaries))
    except Exception:
        log.exception("could not record the model list")


async def list_models(
    ls: OllamaLanguageServer, args: Args, backend: Backend, store: ModelStore
) -> dict[str, Any]:
    client = backend.client
    summaries, running = await asyncio.gather(client.list_models(), client.running())
    await _record_models(store, backend.endpoint, summaries)
    loaded = {model.name for model in running}
    settings = ls.settings
    models = [
        {
            "name": s.name,
            "size": s.size,
            "family": s.details.family,
            "parameterSize": s.details.parameter_size,
            "quantization": s.details.quantization_level,
            "supportsFim": _supports_fim(s),
            "capabilities": list(s.capabilities),  # empty when Ollama does not say
            "loaded": s.name in loaded,
            "roles": _roles_of(settings, s.name),
        }
        for s in summaries
    ]
    hardware = await machine_hardware()
    num_ctx = settings.completion.num_ctx
    # name -> level: a catalog tag installed under a shorter name counts as pulled
    installed = {s.name: s.details.quantization_level for s in summaries}
    advice = recommend(hardware, num_ctx=num_ctx, available=installed)
    recommended = [
        {
            "role": choice.role,
            "model": choice.tag,
            "level": choice.level.name,
            "pulled": choice.pulled,
            "reason": choice.reason,
        }
        for choice in advice.choices
    ]
    recommended_tags = {choice.tag for choice in advice.choices}
    catalog = [
        {
            "name": item.tag,
            "family": item.entry.name,
            "parameterSize": item.entry.size.upper(),  # as Ollama writes it: 1.5B
            "quantization": item.level.name,
            "sizeBytes": item.size_bytes,
            "supportsFim": item.entry.supports_fim,
            "pulled": False,
            "recommended": item.tag in recommended_tags,
            "fits": _fits(
                item.tag,
                ModelDetails(parameter_size=item.entry.size, quantization_level=item.level.name),
                item.size_bytes,
                hardware,
                num_ctx,
            ),
        }
        for item in catalog_items(installed)
        if not item.pulled
    ]
    return {"models": models, "catalog": catalog, "recommended": recommended}


async def show_model(ls: OllamaLanguageServer, args: Args, backend: Backend) -> dict[str, Any]:
    info = await backend.client.show(required_str(args, "model"))
    return {
        "name": info.name,
        "details": dataclasses.asdict(info.details),
        "capabilities": list(info.capabilities),
        "contextLength": info.context_length,
        "supportsFim": info.supports_insert,
        "template": info.template,
        "parameters": info.parameters,
    }


async def running_models(ls: OllamaLanguageServer, args: Args, backend: Backend) -> dict[str, Any]:
    running = await backend.client.running()
    return {
        "models": [
            {"name": m.name, "size": m.size, "sizeVram": m.size_vram, "expiresAt": m.expires_at}
            for m in running
        ]
    }


async def delete_model(
    ls: OllamaLanguageServer, args: Args, backend: Backend, store: ModelStore
) -> dict[str, Any]:
    model = required_str(args, "model")
    client = backend.ollama_for("delete", model)
    endpoint = client.settings.endpoints[0]
    if args.get("confirm") is not True:
        size = next((s.size for s in await client.list_models() if s.name == model), None)
        if size is None:
            raise ModelNotFound(
                f"{model} is not pulled on {endpoint}; nothing to delete.", model=model
            )
        roles = _roles_of(ls.settings, model)
        used = f" It is your {' and '.join(roles)} model." if roles else ""
        question = f"Delete {model} ({format_bytes(size)}) from {endpoint}?{used}"
        if await ask(ls, question, "Delete", "Cancel") != "Delete":
            return {"deleted": False}
    await client.delete(model)
    await asyncio.to_thread(store.remove_model, endpoint, model)
    ls.status.show(f"Deleted {model}.")
    return {"deleted": True}


def register(server: OllamaLanguageServer, backend: Backend, store: ModelStore) -> None:
    register_command(
        server, "ollama.listModels", partial(list_models, backend=backend, store=store)
    )
    register_command(server, "ollama.showModel", partial(show_model, backend=backend))
    register_command(server, "ollama.runningModels", partial(running_models, backend=backend))
    register_command(
        server, "ollama.deleteModel", partial(delete_model, backend=backend, store=store)
    )
