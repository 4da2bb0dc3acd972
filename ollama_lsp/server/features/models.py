"""Model commands: list (with the catalog), show, running, status, delete, switch.

Also opens the model store (``OLLAMA_LSP_STORE`` names the file, ``:memory:`` keeps it in
memory; default: the user's data directory) so every feature finds ``server.store`` set.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from typing import Any, Literal

import attrs
import psutil
from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams

from ollama_lsp.families import family_for
from ollama_lsp.models import (
    Hardware,
    catalog_items,
    check_fit,
    detect_hardware,
    format_bytes,
    recommend,
)
from ollama_lsp.ollama import AiError, ModelDetails, ModelNotFound, ModelSummary
from ollama_lsp.server.commands import (
    Args,
    ask,
    client_of,
    endpoint_of,
    register_command,
    required_str,
)
from ollama_lsp.server.features.memory import memory_of
from ollama_lsp.server.features.pull import pull_model
from ollama_lsp.server.server import OllamaLanguageServer, command_work_done_token
from ollama_lsp.server.settings import Settings
from ollama_lsp.store import ModelRecord, ModelStore, parse_timestamp

__all__ = ["RoleOverrides", "register"]

log = logging.getLogger(__name__)

Role = Literal["completion", "chat"]
ROLES: tuple[Role, ...] = ("completion", "chat")


def role_model(settings: Settings, role: Role) -> str:
    return settings.completion.model if role == "completion" else settings.chat.model


def with_role_model(settings: Settings, role: Role, model: str) -> Settings:
    if role == "completion":
        return attrs.evolve(settings, completion=attrs.evolve(settings.completion, model=model))
    return attrs.evolve(settings, chat=attrs.evolve(settings.chat, model=model))


class RoleOverrides:
    """Models chosen with ``switchModel``, laid over the user's settings.

    An override remembers the user's value it replaced; it holds while the user's settings
    still say that value, and is dropped as soon as the user sets the role's model themselves.
    """

    def __init__(self) -> None:
        self._chosen: dict[Role, tuple[str, str]] = {}

    def set(self, role: Role, model: str, user_value: str) -> None:
        self._chosen[role] = (model, user_value)

    def __call__(self, settings: Settings) -> Settings:
        for role, (model, user_value) in list(self._chosen.items()):
            current = role_model(settings, role)
            if current in (user_value, model):
                settings = with_role_model(settings, role, model)
            else:
                del self._chosen[role]
        return settings

    def user_value(self, role: Role, settings: Settings) -> str:
        chosen = self._chosen.get(role)
        return chosen[1] if chosen is not None else role_model(settings, role)


def _roles_of(settings: Settings, name: str) -> list[Role]:
    return [role for role in ROLES if role_model(settings, role) == name]


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


def _duration(ms: float) -> str:
    """`850 ms`, `3.0 s`: as precise as a person reads a load time."""
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def _role(args: Args) -> Role:
    role = args.get("role", "completion")
    if role not in ROLES:
        raise JsonRpcInvalidParams('`role` must be "completion" or "chat".')
    result: Role = role
    return result


async def _record_models(ls: OllamaLanguageServer, summaries: list[ModelSummary]) -> None:
    if ls.store is None:
        return
    try:
        await asyncio.to_thread(ls.store.upsert_models, endpoint_of(ls), map(_record, summaries))
    except Exception:
        log.exception("could not record the model list")


async def list_models(ls: OllamaLanguageServer, args: Args) -> dict[str, Any]:
    client = client_of(ls)
    summaries, running = await asyncio.gather(client.list_models(), client.running())
    await _record_models(ls, summaries)
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
    manager = memory_of(ls)
    if manager is not None:  # honours OLLAMA_LSP_HARDWARE
        hardware = await manager.hardware()
    else:
        hardware = await asyncio.to_thread(detect_hardware)
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


async def show_model(ls: OllamaLanguageServer, args: Args) -> dict[str, Any]:
    info = await client_of(ls).show(required_str(args, "model"))
    return {
        "name": info.name,
        "details": dataclasses.asdict(info.details),
        "capabilities": list(info.capabilities),
        "contextLength": info.context_length,
        "supportsFim": info.supports_insert,
        "template": info.template,
        "parameters": info.parameters,
    }


async def running_models(ls: OllamaLanguageServer, args: Args) -> dict[str, Any]:
    running = await client_of(ls).running()
    return {
        "models": [
            {"name": m.name, "size": m.size, "sizeVram": m.size_vram, "expiresAt": m.expires_at}
            for m in running
        ]
    }


async def status(ls: OllamaLanguageServer, args: Args) -> dict[str, Any]:
    """Never fails for a stopped Ollama: that is what the user wants to find out."""
    client = client_of(ls)
    health = await client.health()
    models: list[str] = []
    running: list[str] = []
    if any(endpoint.healthy for endpoint in health):
        try:
            models = [s.name for s in await client.list_models()]
            running = [m.name for m in await client.running()]
        except AiError as error:
            log.info("status: %s", error.message)
    reading = psutil.virtual_memory()
    memory: dict[str, Any] = {"totalBytes": reading.total, "availableBytes": reading.available}
    manager = memory_of(ls)
    if manager is not None:
        memory.update(manager.snapshot())
    return {
        "state": ls.status.current.state,
        "endpoints": [
            {"url": e.url, "healthy": e.healthy, "version": e.version, "error": e.error}
            for e in health
        ],
        "models": models,
        "runningModels": running,
        "roles": {role: role_model(ls.settings, role) for role in ROLES},
        "memory": memory,
        "lastErrors": [
            {"kind": kind, "message": message} for kind, message in ls.status.last_errors.items()
        ],
        "store": str(ls.store.path) if ls.store is not None and ls.store.path else None,
    }


async def delete_model(ls: OllamaLanguageServer, args: Args) -> dict[str, Any]:
    model = required_str(args, "model")
    client = client_of(ls)
    if args.get("confirm") is not True:
        size = next((s.size for s in await client.list_models() if s.name == model), None)
        if size is None:
            where = endpoint_of(ls)
            raise ModelNotFound(
                f"{model} is not pulled on {where}; nothing to delete.", model=model
            )
        roles = _roles_of(ls.settings, model)
        used = f" It is your {' and '.join(roles)} model." if roles else ""
        question = f"Delete {model} ({format_bytes(size)}) from {endpoint_of(ls)}?{used}"
        if await ask(ls, question, "Delete", "Cancel") != "Delete":
            return {"deleted": False}
    await client.delete(model)
    if ls.store is not None:
        await asyncio.to_thread(ls.store.remove_model, endpoint_of(ls), model)
    ls.status.show(f"Deleted {model}.")
    return {"deleted": True}


def register(server: OllamaLanguageServer) -> None:
    server.store = ModelStore.open()  # honours OLLAMA_LSP_STORE
    for notice in server.store.notices:
        log.warning("%s", notice)
    overrides = RoleOverrides()
    server.settings_overrides.append(overrides)

    async def switch_model(ls: OllamaLanguageServer, args: Args) -> dict[str, Any]:
        model, role = required_str(args, "model"), _role(args)
        client = client_of(ls)
        try:
            await client.show(model)
        except ModelNotFound:
            question = f"{model} is not pulled on {endpoint_of(ls)}. Pull it now?"
            if await ask(ls, question, "Pull", "Cancel") != "Pull":
                raise JsonRpcInternalError(
                    f"{model} is not pulled; the {role} model stays "
                    f"{role_model(ls.settings, role)}."
                ) from None
            await pull_model(ls, model)
        manager = memory_of(ls)
        if manager is not None:  # refuses, with the fit message, a model that would not fit
            await manager.ensure_fits(model, role)
        previous = role_model(ls.settings, role)
        started = time.monotonic()
        async with ls.work_progress(f"Loading {model}", token=command_work_done_token()):
            loaded = await client.load(model, keep_alive=ls.settings.keep_alive)
        wall_ms = (time.monotonic() - started) * 1000
        load_ns = loaded.metrics.load_duration if loaded.metrics is not None else None
        load_ms = round(load_ns / 1e6 if load_ns else wall_ms)
        overrides.set(role, model, overrides.user_value(role, ls.settings))
        await ls.apply_settings(ls.settings)
        other = [r for r in ROLES if r != role and role_model(ls.settings, r) == previous]
        if previous != model and not other:
            try:
                await client.unload(previous)
            except AiError as error:
                log.info("could not unload %s: %s", previous, error.message)
        ls.status.show(f"The {role} model is now {model} (loaded in {_duration(load_ms)}).")
        return {"model": model, "role": role, "loadMs": load_ms}

    for name, handler in (
        ("ollama.listModels", list_models),
        ("ollama.showModel", show_model),
        ("ollama.runningModels", running_models),
        ("ollama.status", status),
        ("ollama.deleteModel", delete_model),
        ("ollama.switchModel", switch_model),
    ):
        register_command(server, name, handler)

    @server.on_shutdown
    async def close_store(ls: OllamaLanguageServer) -> None:
        if ls.downloads is not None:  # their last records go to the store
            await ls.downloads.aclose()
        if ls.store is not None:
            ls.store.close()
