"""Where the demo's completions come from: a running Ollama, else the emulator with a real model."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from ollama_lsp.ollama import DEFAULT_HOST, parse_host
from tests.fake_ollama import FakeOllama, real_model_missing

__all__ = ["EMULATED_MODEL", "Backend", "DemoError", "emulated", "running_ollama"]

#: The name the emulator serves the gemma3 270M GGUF under.
EMULATED_MODEL = "gemma3:270m"


class DemoError(Exception):
    """Why the demo cannot go on, in a sentence for the user."""


@dataclass(frozen=True, slots=True)
class Backend:
    url: str
    model: str
    description: str


def _is_ollama(client: httpx.Client, url: str) -> bool:
    """A real Ollama: ``GET /`` says so and there is no emulator control channel."""
    try:
        if "Ollama is running" not in client.get(url + "/").text:
            return False
        return client.get(url + "/_fake/counters").status_code == 404
    except httpx.HTTPError:
        return False


def _pick_model(client: httpx.Client, url: str) -> str:
    """The first model that can fill in the middle, else the first that completes text."""
    names = [m["name"] for m in client.get(url + "/api/tags").json().get("models", [])]
    completing = []
    for name in names:
        capabilities = client.post(url + "/api/show", json={"model": name}).json()
        found = capabilities.get("capabilities") or []
        if "insert" in found:
            return str(name)
        if "completion" in found:
            completing.append(str(name))
    if not completing:
        raise DemoError(
            f"the Ollama at {url} has no completion model: "
            "pull one with `ollama-lsp pull qwen2.5-coder:1.5b-base`"
        )
    return completing[0]


def running_ollama(host: str | None, model: str | None) -> Backend | None:
    """The Ollama at ``host`` (``OLLAMA_HOST`` form) when one answers, with a model to use."""
    url = parse_host(host or DEFAULT_HOST)
    with httpx.Client(timeout=5) as client:
        if not _is_ollama(client, url):
            return None
        chosen = model or _pick_model(client, url)
    return Backend(url, chosen, f"the Ollama running at {url}")


@contextmanager
def emulated() -> Iterator[Backend]:
    """The emulator (in this process, on a free port), serving the real gemma3 270M model."""
    missing = real_model_missing()
    if missing:
        raise DemoError(f"{missing}: run scripts/demo, which installs it")
    with FakeOllama() as fake:
        # gemma3 was not trained for fill-in-the-middle: serve it as Ollama ships it, with its
        # chat template only, so the server sends it a plain prefix, which it continues well.
        fake.use_real_model(EMULATED_MODEL, fim=False)
        yield Backend(
            fake.url,
            EMULATED_MODEL,
            f"the Ollama emulator at {fake.url}, serving {EMULATED_MODEL} with llama.cpp",
        )
