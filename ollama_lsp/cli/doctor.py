"""``doctor``: can completions work here, and if not, what to do about it.

Checks, in order: where the settings came from, each endpoint (reachable, version, round trip,
what it has loaded and, with several, the share of new documents the router would send it),
the models, the completion model (pulled or served, fill-in-the-middle), the chat model, the
models loaded in memory and where they run (CPU, GPU or split, as ``ollama ps`` shows it), the
hardware and the recommendation for it. Ends with a verdict; the exit status is 0 when
completions can work (warnings allowed) and 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass, field
from typing import Literal

from ollama_lsp.cli._options import Options, add_common_arguments, load_options
from ollama_lsp.cli.recommend import recommendation
from ollama_lsp.families import uses_fim
from ollama_lsp.models import format_bytes, normalize_name
from ollama_lsp.ollama import AiError, OllamaClient, OpenAIClient, RunningModel
from ollama_lsp.providers import EndpointReport, Fleet, ModelClient

__all__ = ["Report", "configure", "examine", "processor", "run"]

Level = Literal["ok", "warn", "fail", "info"]
_MARKS = {"ok": "ok  ", "warn": "warn", "fail": "FAIL", "info": "    "}


@dataclass
class Report:
    """Findings in the order they were made."""

    lines: list[tuple[Level, str]] = field(default_factory=list)

    def add(self, level: Level, text: str) -> None:
        self.lines.append((level, text))

    @property
    def failed(self) -> bool:
        return any(level == "fail" for level, _ in self.lines)

    @property
    def warned(self) -> bool:
        return any(level == "warn" for level, _ in self.lines)

    def render(self) -> str:
        return "\n".join(f"[{_MARKS[level]}] {text}" for level, text in self.lines)


def configure(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)


def _settings(options: Options, report: Report) -> None:
    s = options.settings
    src = options.sources
    report.add("info", f"endpoints: {', '.join(options.client.endpoints)} ({src['endpoints']})")
    key = "set" if options.client.api_key else "none"
    report.add("info", f"API key: {key} ({src['apiKey'] if options.client.api_key else '-'})")
    report.add("info", f"completion model: {s.completion.model} ({src['completion.model']})")
    report.add("info", f"chat model: {s.chat.model} ({src['chat.model']})")


def _endpoint_line(endpoint: EndpointReport, share: float | None) -> str:
    if endpoint.api == "openai":
        what, loaded = "OpenAI-compatible server", "serves"
    else:
        what, loaded = f"Ollama {endpoint.version or '(version unknown)'}", "in memory"
    models = ", ".join(endpoint.routing.loaded) or "nothing"
    text = f"{endpoint.url}: {what}, {endpoint.probe_ms:g} ms; {loaded}: {models}"
    return text if share is None else f"{text}; share of new documents: {share:.0%}"


async def _endpoints(fleet: Fleet, options: Options, report: Report) -> bool:
    """Each endpoint, and how the router would spread new documents over them."""
    endpoints = await fleet.report()
    spread = fleet.spread(options.settings.completion.model) if len(endpoints) > 1 else {}
    for endpoint in endpoints:
        if endpoint.healthy:
            report.add("ok", _endpoint_line(endpoint, spread.get(endpoint.url)))
        else:
            start = "is `ollama serve` running?" if endpoint.api == "ollama" else "is it running?"
            report.add(
                "fail",
                f"{endpoint.url}: not reachable ({endpoint.error or 'no answer'}); {start}",
            )
    return any(endpoint.healthy for endpoint in endpoints)


async def _models(fleet: Fleet, client: ModelClient, options: Options, report: Report) -> list[str]:
    names = [m.name for m in await client.list_models()]
    have = "served" if isinstance(client, OpenAIClient) else "pulled"
    report.add("ok" if names else "warn", f"{len(names)} model(s) {have}")
    pulled = {normalize_name(n) for n in names}
    model = options.settings.completion.model
    if normalize_name(model) not in pulled and isinstance(client, OpenAIClient):
        served = ", ".join(names) or "none"
        report.add(
            "fail",
            f"completion model {model} is not served by {client.endpoint} (it serves: "
            f"{served}): set completion.model to one of them",
        )
    elif normalize_name(model) not in pulled:
        report.add("fail", f"completion model {model} is not pulled: ollama-lsp pull {model}")
    else:
        fim = (await fleet.capabilities(model)).fim
        if uses_fim(model, fim):
            how = "" if fim is not None else ", with its family's prompt"
            report.add("ok", f"completion model {model} fills in the middle (FIM{how})")
        else:
            report.add(
                "warn",
                f"completion model {model} has no fill-in-the-middle: suggestions only see the "
                "code above the cursor; pick a code model (ollama-lsp recommend)",
            )
    chat = options.settings.chat.model
    if normalize_name(chat) not in pulled:
        fix = f"ollama-lsp pull {chat}" if have == "pulled" else "set chat.model to one it serves"
        report.add("warn", f"chat model {chat} is not {have} (chat only): {fix}")
    else:
        report.add("ok", f"chat model {chat} is {have}")
    return names


def processor(model: RunningModel) -> str:
    """Where a loaded model runs, in the words of ``ollama ps``: ``100% GPU``, ``100% CPU``,
    ``48%/52% CPU/GPU``."""
    if model.size_vram == 0:
        return "100% CPU"
    if model.size_vram == model.size:
        return "100% GPU"
    if model.size == 0 or model.size_vram > model.size:
        return "unknown"
    cpu = round((model.size - model.size_vram) / model.size * 100)
    return f"{cpu}%/{100 - cpu}% CPU/GPU"


async def _loaded(client: OllamaClient, options: Options, report: Report) -> None:
    """What ``/api/ps`` says: each loaded model, its memory and where it runs. A completion
    model split between CPU and GPU is slow: say what to do."""
    running = await client.running()
    completion = normalize_name(options.settings.completion.model)
    if not any(normalize_name(m.name) == completion for m in running):
        report.add("info", f"completion model {options.settings.completion.model} is not loaded "
                   "(it loads when the editor starts)")  # fmt: skip
    for model in running:
        where = processor(model)
        context = f", context {model.context_length}" if model.context_length else ""
        text = f"loaded: {model.name}, {format_bytes(model.size)}, {where}{context}"
        split = "CPU/GPU" in where and normalize_name(model.name) == completion
        if split:
            text += (
                "; the part on the CPU slows every suggestion: pick a smaller model or "
                "quantization level (ollama-lsp recommend) or lower completion.numCtx"
            )
        report.add("warn" if split else "info", text)


def _hardware(options: Options, names: list[str] | None, report: Report) -> None:
    rec = recommendation(options, names)
    report.add("info", f"hardware: {rec.hardware.describe()}")
    choice = rec.for_role("completion")
    if choice is None:
        report.add("warn", "no catalog completion model fits this machine's memory")
    elif normalize_name(choice.tag) != normalize_name(options.settings.completion.model):
        report.add("info", f"recommended completion model here: {choice.tag}")


async def examine(options: Options) -> Report:
    """Run every check; never raises for what it finds (an unreachable Ollama is a finding)."""
    report = Report()
    _settings(options, report)
    names: list[str] | None = None
    fleet = Fleet(options.client)
    try:
        if await _endpoints(fleet, options, report):
            client = fleet.client_for(options.settings.completion.model)
            names = await _models(fleet, client, options, report)
            if isinstance(client, OllamaClient):
                await _loaded(client, options, report)
    except AiError as exc:
        report.add("fail", exc.message)
    finally:
        await fleet.aclose()
    _hardware(options, names, report)
    return report


async def _doctor(args: argparse.Namespace) -> int:
    report = await examine(load_options(args))
    print(report.render())
    if report.failed:
        print("\nverdict: NOT READY, fix the FAIL lines above")
        return 1
    print("\nverdict: ready" + (" (with warnings)" if report.warned else ""))
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_doctor(args))
