"""``ollama.switchModel``: make a model the completion or chat model, pulling it (if the user
agrees) and checking that it fits first."""

from __future__ import annotations

from functools import partial
from typing import Any

from pygls.exceptions import JsonRpcInternalError

from ollama_lsp.ollama import ModelNotFound
from ollama_lsp.server.backend import Backend
from ollama_lsp.server.commands import Args, ask, optional_role, register_command, required_str
from ollama_lsp.server.downloads import DownloadQueue
from ollama_lsp.server.memory import FitCheck
from ollama_lsp.server.pulls import pull_with_progress
from ollama_lsp.server.server import OllamaLanguageServer
from ollama_lsp.server.switching import ChosenModels, use_model

__all__ = ["register", "switch_model"]


async def switch_model(
    ls: OllamaLanguageServer,
    args: Args,
    backend: Backend,
    downloads: DownloadQueue,
    fit: FitCheck,
    chosen: ChosenModels,
) -> dict[str, Any]:
    model, role = required_str(args, "model"), optional_role(args) or "completion"
    try:
        await backend.client_for(model).show(model)
    except ModelNotFound:
        if all(member.api == "openai" for member in backend.fleet.members):
            raise  # such a server pulls nothing: the message names the models it serves
        endpoint = backend.ollama_for("pull", model).settings.endpoints[0]
        question = f"{model} is not pulled on {endpoint}. Pull it now?"
        if await ask(ls, question, "Pull", "Cancel") != "Pull":
            raise JsonRpcInternalError(
                f"{model} is not pulled; the {role} model stays {ls.settings.model_for(role)}."
            ) from None
        await pull_with_progress(ls, backend, downloads, model)
    await fit.ensure(model, role)  # refuses, with the fit message, a model that would not fit
    return await use_model(ls, backend, chosen, role, model)


def register(
    server: OllamaLanguageServer,
    backend: Backend,
    downloads: DownloadQueue,
    fit: FitCheck,
    chosen: ChosenModels,
) -> None:
    switch = partial(switch_model, backend=backend, downloads=downloads, fit=fit, chosen=chosen)
    register_command(server, "ollama.switchModel", switch)
