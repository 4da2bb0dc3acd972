"""`ollama.setQuantization` and `ollama.recommend`: the best level this machine can hold.

`setQuantization` checks the fit first (a refusal names a smaller level that would fit), then
uses the level if it is installed, creates it from an installed F16/BF16/F32 variant with
`/api/create` + `quantize` (Q4_K_M, Q4_K_S, Q8_0), or pulls it from the library, with
workDoneProgress, and finally switches the role to it through `ollama.switchModel`.
"""

from __future__ import annotations

import logging
from typing import Any

import attrs
from pygls.exceptions import JsonRpcInvalidParams

from ollama_lsp.models import (
    Hardware,
    QuantLevel,
    Recommendation,
    Role,
    UnknownLevel,
    get_level,
    recommend,
    split_tag,
    verify_tag,
    with_level,
)
from ollama_lsp.models.benchmark import LevelVariant, ensure_level, quantize_source
from ollama_lsp.ollama import AiError
from ollama_lsp.server.commands import Args, client_of, optional_str, register_command, required_str
from ollama_lsp.server.features.memory import memory_of
from ollama_lsp.server.server import OllamaLanguageServer, command_work_done_token

__all__ = ["hardware_json", "recommendation_json", "register"]

log = logging.getLogger(__name__)

_SWITCH = "ollama.switchModel"


def _level(args: Args) -> QuantLevel:
    try:
        return get_level(required_str(args, "level"))
    except UnknownLevel as exc:
        raise JsonRpcInvalidParams(str(exc)) from exc


def _role(ls: OllamaLanguageServer, args: Args, model: str) -> Role:
    role = optional_str(args, "role")
    if role in ("completion", "chat"):
        return role  # type: ignore[return-value]
    if role is not None:
        raise JsonRpcInvalidParams('`role` must be "completion" or "chat".')
    same = split_tag(model)
    chat = split_tag(ls.settings.chat.model)
    return (
        "chat"
        if (same.name, same.size, same.variant) == (chat.name, chat.size, chat.variant)
        else "completion"
    )


async def _switch(ls: OllamaLanguageServer, role: Role, model: str) -> None:
    """Make `model` the role's model, the way `ollama.switchModel` does (load, override)."""
    switch = ls.protocol.fm.commands.get(_SWITCH)
    if switch is not None:
        await switch({"model": model, "role": role})  # pygls bound the server already
        return
    settings = ls.settings
    section = attrs.evolve(getattr(settings, role), model=model)
    await ls.apply_settings(attrs.evolve(settings, **{role: section}))


async def set_quantization(ls: OllamaLanguageServer, args: Args) -> dict[str, Any]:
    model, level = required_str(args, "model"), _level(args)
    role = _role(ls, args, model)
    tag = with_level(model, level)
    if tag is None:
        raise JsonRpcInvalidParams(
            f"Cannot name {model} at {level.name}: give a tag with a size, such as "
            "codellama:7b-code."
        )
    client = client_of(ls)
    names = [m.name for m in await client.list_models()]
    present = verify_tag(tag, names)
    source = None if present else quantize_source(model, level, names)
    memory = memory_of(ls)
    if memory is not None:
        await memory.ensure_fits(tag, role, source=source)
    if present is not None:
        variant = LevelVariant(level, present)
    elif source is not None:
        title = f"Quantizing {source} to {level.name}"
        async with ls.work_progress(title, token=command_work_done_token()) as bar:
            variant = await ensure_level(
                client,
                source,
                level,
                installed=names,
                on_progress=lambda message, fraction: bar.report(message, int(fraction * 100)),
            )
    else:
        from ollama_lsp.server.features.pull import pull_model  # a feature of its own

        await pull_model(ls, tag)
        variant = LevelVariant(level, tag, pulled=True)
    await _switch(ls, role, variant.tag)
    return {
        "model": variant.tag,
        "level": level.name,
        "role": role,
        "created": variant.created,
        "pulled": variant.pulled,
    }


def hardware_json(hardware: Hardware) -> dict[str, Any]:
    return {
        "totalRam": hardware.total_ram,
        "availableRam": hardware.available_ram,
        "unifiedMemory": hardware.unified_memory,
        "gpus": [
            {"name": gpu.name, "totalBytes": gpu.total_bytes, "freeBytes": gpu.free_bytes}
            for gpu in hardware.gpus
        ],
        "description": hardware.describe(),
    }


def recommendation_json(result: Recommendation) -> dict[str, Any]:
    """The result of `ollama.recommend` (docs/protocol.md), with the numbers behind it."""
    return {
        "hardware": hardware_json(result.hardware),
        "together": result.together,
        "recommendations": [
            {
                "role": choice.role,
                "model": choice.tag,
                "level": choice.level.name,
                "reason": choice.reason,
                "memoryBytes": choice.need.total,
                "placement": str(choice.placement),
                "tokensPerSecond": round(choice.tokens_per_second, 1),
                "pulled": choice.pulled,
                "numCtx": result.num_ctx.get(choice.role),
            }
            for choice in result.choices
        ],
        "reasoning": list(result.reasoning),
    }


async def recommend_levels(ls: OllamaLanguageServer, args: Args) -> dict[str, Any]:
    memory = memory_of(ls)
    if memory is None:
        raise JsonRpcInvalidParams("memory management is not enabled in this server")
    hardware = await memory.hardware()
    try:
        names = [m.name for m in await client_of(ls).list_models()]
    except AiError as exc:  # still useful offline: nothing is marked as pulled
        log.info("recommend without the model list: %s", exc.message)
        names = []
    contexts: dict[Role, int] = {role: memory.num_ctx_of(role) for role in ("completion", "chat")}
    return recommendation_json(recommend(hardware, num_ctx=contexts, available=names))


def register(server: OllamaLanguageServer) -> None:
    register_command(server, "ollama.setQuantization", set_quantization)
    register_command(server, "ollama.recommend", recommend_levels)
