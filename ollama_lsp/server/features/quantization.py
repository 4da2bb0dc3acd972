"""`ollama.setQuantization` and `ollama.recommend`: the best level this machine can hold.

`setQuantization` checks the fit first (a refusal names a smaller level that would fit), then
uses the level if it is installed, creates it from an installed F16/BF16/F32 variant with
`/api/create` + `quantize` (Q4_K_M, Q4_K_S, Q8_0), or pulls it from the library, with
workDoneProgress, and finally makes it the role's model, as `ollama.switchModel` does.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from pygls.exceptions import JsonRpcInvalidParams

from ollama_lsp.errors import AiError
from ollama_lsp.models import (
    ROLES,
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
from ollama_lsp.server.backend import Backend
from ollama_lsp.server.commands import Args, optional_role, register_command, required_str
from ollama_lsp.server.downloads import DownloadQueue
from ollama_lsp.server.memory import FitCheck, machine_hardware
from ollama_lsp.server.pulls import pull_with_progress
from ollama_lsp.server.server import OllamaLanguageServer, command_work_done_token
from ollama_lsp.server.switching import ChosenModels, use_model
from ollama_lsp.settings import Settings

__all__ = [
    "hardware_json",
    "recommend_levels",
    "recommendation_json",
    "register",
    "set_quantization",
]

log = logging.getLogger(__name__)


def _level(args: Args) -> QuantLevel:
    try:
        return get_level(required_str(args, "level"))
    except UnknownLevel as exc:
        raise JsonRpcInvalidParams(str(exc)) from exc


def _role_of(model: str, settings: Settings) -> Role:
    """The chat role for another level of the chat model, else completion."""
    same, chat = split_tag(model), split_tag(settings.chat.model)
    if (same.name, same.size, same.variant) == (chat.name, chat.size, chat.variant):
        return "chat"
    return "completion"


async def set_quantization(
    ls: OllamaLanguageServer,
    args: Args,
    backend: Backend,
    downloads: DownloadQueue,
    fit: FitCheck,
    chosen: ChosenModels,
) -> dict[str, Any]:
    model, level = required_str(args, "model"), _level(args)
    role = optional_role(args) or _role_of(model, ls.settings)
    tag = with_level(model, level)
    if tag is None:
        raise JsonRpcInvalidParams(
            f"Cannot name {model} at {level.name}: give a tag with a size, such as "
            "codellama:7b-code."
        )
    client = backend.ollama_for("quantize", model)
    names = [m.name for m in await client.list_models()]
    present = verify_tag(tag, names)
    source = None if present else quantize_source(model, level, names)
    await fit.ensure(tag, role, source=source)
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
        await pull_with_progress(ls, backend, downloads, tag)
        variant = LevelVariant(level, tag, pulled=True)
    await use_model(ls, backend, chosen, role, variant.tag)
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


async def recommend_levels(
    ls: OllamaLanguageServer, args: Args, backend: Backend
) -> dict[str, Any]:
    hardware = await machine_hardware()
    try:
        names = [m.name for m in await backend.client.list_models()]
    except AiError as exc:  # still useful offline: nothing is marked as pulled
        log.info("recommend without the model list: %s", exc.message)
        names = []
    contexts = {role: backend.num_ctx_for(role) for role in ROLES}
    return recommendation_json(recommend(hardware, num_ctx=contexts, available=names))


def register(
    server: OllamaLanguageServer,
    backend: Backend,
    downloads: DownloadQueue,
    fit: FitCheck,
    chosen: ChosenModels,
) -> None:
    quantize = partial(
        set_quantization, backend=backend, downloads=downloads, fit=fit, chosen=chosen
    )
    register_command(server, "ollama.setQuantization", quantize)
    register_command(server, "ollama.recommend", partial(recommend_levels, backend=backend))
