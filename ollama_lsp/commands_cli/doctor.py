"""``doctor``: can completions work here, and if not, what to do about it.

Checks, in order: where the settings came from, each endpoint (reachable, version), the models,
the completion model (pulled, fill-in-the-middle), the chat model, the hardware and the
recommendation for it. Ends with a verdict; the exit status is 0 when completions can work
(warnings allowed) and 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass, field
from typing import Literal

from ollama_lsp.commands_cli._options import Options, add_common_arguments, load_options
from ollama_lsp.commands_cli.recommend import recommendation
from ollama_lsp.models import normalize_name
from ollama_lsp.ollama import AiError, OllamaClient
from ollama_lsp.providers import capabilities_of

__all__ = ["Report", "configure", "examine", "run"]

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


async def _endpoints(client: OllamaClient, report: Report) -> bool:
    healthy = False
    for health in await client.health():
        if health.healthy:
            healthy = True
            report.add("ok", f"{health.url}: Ollama {health.version or '(version unknown)'}")
        else:
            report.add(
                "fail",
                f"{health.url}: not reachable ({health.error or 'no answer'}); "
                "is `ollama serve` running?",
            )
    return healthy


async def _models(client: OllamaClient, options: Options, report: Report) -> list[str]:
    names = [m.name for m in await client.list_models()]
    report.add("ok" if names else "warn", f"{len(names)} model(s) pulled")
    pulled = {normalize_name(n) for n in names}
    model = options.settings.completion.model
    if normalize_name(model) not in pulled:
        report.add("fail", f"completion model {model} is not pulled: ollama-lsp pull {model}")
    else:
        caps = capabilities_of(await client.show(model))
        if caps.fim:
            report.add("ok", f"completion model {model} fills in the middle (FIM)")
        else:
            report.add(
                "warn",
                f"completion model {model} has no fill-in-the-middle: suggestions only see the "
                "code above the cursor; pick a code model (ollama-lsp recommend)",
            )
    chat = options.settings.chat.model
    if normalize_name(chat) not in pulled:
        report.add("warn", f"chat model {chat} is not pulled (chat only): ollama-lsp pull {chat}")
    else:
        report.add("ok", f"chat model {chat} is pulled")
    return names


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
    async with OllamaClient(options.client) as client:
        try:
            if await _endpoints(client, report):
                names = await _models(client, options, report)
        except AiError as exc:
            report.add("fail", exc.message)
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
