"""Where the demo's completions come from: a running Ollama, else the emulator with a real model
(else, when the real model cannot run here, the emulator's scripted engine); or, with
``--engine openai``, llama-cpp-python's OpenAI-compatible server with the same model."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from ollama_lsp.ollama import DEFAULT_HOST, parse_host
from tests.fake_ollama import FakeOllama, Rule, real_model_missing
from tests.openai_engine import LlamaCppServer

__all__ = [
    "EMULATED_MODEL",
    "SCRIPTED_MODEL",
    "Backend",
    "DemoError",
    "emulated",
    "openai_engine",
    "running_ollama",
]

#: The name the emulator serves the gemma3 270M GGUF under.
EMULATED_MODEL = "gemma3:270m"
#: The model the scripted engine stands in for when the real one cannot run.
SCRIPTED_MODEL = "qwen2.5-coder:1.5b-base"


class DemoError(Exception):
    """Why the demo cannot go on, in a sentence for the user."""


@dataclass(frozen=True, slots=True)
class Backend:
    url: str
    model: str
    description: str
    #: With the emulator: the generate requests it has served, with Ollama's metrics.
    generations: Callable[[], list[dict[str, int]]] | None = None
    #: Whether those metrics measure a model (not the scripted engine's instant replies).
    real_model: bool = True
    #: The API the server speaks: "ollama", or "openai" (an OpenAI-compatible engine).
    api: str = "ollama"

    @property
    def endpoint(self) -> str | dict[str, str]:
        """The server as the ``endpoints`` setting names it."""
        return self.url if self.api == "ollama" else {"url": f"{self.url}/v1", "api": self.api}


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


def engine_failure(url: str, model: str) -> str | None:
    """Generate a few tokens: ``None`` when the model runs, else the error Ollama gave.

    It also loads the model's runner, so the editor's first suggestion does not wait for it.
    """
    body = {
        "model": model,
        "prompt": "def add(a, b):\n    return",
        "raw": True,
        "stream": False,
        "options": {"num_predict": 4, "temperature": 0},
    }
    answer = httpx.post(f"{url}/api/generate", json=body, timeout=300)
    if answer.is_success:
        return None
    try:
        return str(answer.json()["error"])
    except (ValueError, KeyError):
        return f"HTTP {answer.status_code}"


def _generations(fake: FakeOllama) -> Callable[[], list[dict[str, int]]]:
    return lambda: [r.metrics for r in fake.requests_to("/api/generate")]


def _scripted(fake: FakeOllama, document: str) -> Backend:
    """The scripted engine completes ``document``: whatever the editor asks is answered with
    the text of ``document`` between the request's prefix and suffix."""
    fake.add_rule(Rule(fim_middle_of=document))
    return Backend(
        fake.url,
        SCRIPTED_MODEL,
        f"the Ollama emulator at {fake.url}, scripted engine standing in for {SCRIPTED_MODEL}",
        _generations(fake),
        real_model=False,
    )


@contextmanager
def emulated(
    say: Callable[[str], None], document: str, *, simulate_crash: bool = False
) -> Iterator[Backend]:
    """The emulator (in this process, on a free port), serving the real gemma3 270M model.

    When the real model cannot run here (its extra is missing, or llama.cpp crashes on this
    CPU), the emulator's scripted engine completes ``document`` instead, and ``say`` tells so.
    ``simulate_crash`` makes the real model's runner crash once, to show that path.
    """
    with FakeOllama() as fake:
        missing = real_model_missing()
        if missing:
            say(f"The real model cannot run: {missing} (scripts/demo installs it).")
            say("Falling back to the emulator's scripted engine.")
            yield _scripted(fake, document)
            return
        # gemma3 was not trained for fill-in-the-middle: serve it as Ollama ships it, with its
        # chat template only, so the server sends it a plain prefix, which it continues well.
        fake.use_real_model(EMULATED_MODEL, fim=False)
        if simulate_crash:
            fake.add_fault("crash", path="/api/generate", after_chunks=1)
        failure = engine_failure(fake.url, EMULATED_MODEL)
        if failure is not None:
            say(f"The real model's engine failed: {failure}.")
            say("  (llama.cpp built for another CPU? `scripts/install` rebuilds it for a portable")
            say("  baseline.) Falling back to the scripted engine.")
            yield _scripted(fake, document)
            return
        yield Backend(
            fake.url,
            EMULATED_MODEL,
            f"the Ollama emulator at {fake.url}, serving {EMULATED_MODEL} with llama.cpp",
            _generations(fake),
        )


@contextmanager
def openai_engine(say: Callable[[str], None]) -> Iterator[Backend]:
    """llama-cpp-python's own OpenAI-compatible server (started here) with the gemma3 270M
    model: the API of vLLM, llama.cpp's server and LM Studio."""
    say("Starting llama-cpp-python's OpenAI-compatible server (python -m llama_cpp.server)...")
    try:
        server = LlamaCppServer(EMULATED_MODEL).start()
    except RuntimeError as exc:
        raise DemoError(f"the OpenAI-compatible engine cannot run here: {exc}") from None
    try:
        yield Backend(
            server.url,
            EMULATED_MODEL,
            f"llama-cpp-python's OpenAI-compatible server at {server.url}/v1",
            # It reports no counters: each generation is a request, one {} per request.
            lambda: [{} for _ in range(server.completions())],
            real_model=False,
            api="openai",
        )
    finally:
        server.stop()
