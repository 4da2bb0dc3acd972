"""A real OpenAI-compatible engine for tests and the demo: llama-cpp-python's own server
(``python -m llama_cpp.server``) serving the gemma3 270M GGUF.

It is the same llama.cpp the emulator's real model runs, behind the API vLLM, llama.cpp's
``llama-server`` and LM Studio speak: ``/v1/completions``, ``/v1/chat/completions`` (SSE) and
``/v1/models``. It needs the real-model extra (which lists the server's dependencies).
"""

from __future__ import annotations

import contextlib
import importlib.util
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import httpx

from tests.fake_ollama import real_model_missing
from tests.fake_ollama._real_model import default_gguf

__all__ = ["LlamaCppServer", "openai_engine_missing"]

#: The name the server gives the model (``--model_alias``), as the emulator names it.
MODEL = "gemma3:270m"
#: The context window it runs with: the server's completion prompts fit it.
N_CTX = 4096


def openai_engine_missing() -> str | None:
    """Why llama-cpp-python's server cannot run here, or ``None`` when it can."""
    missing = real_model_missing()
    if missing is not None:
        return missing
    for module in ("fastapi", "sse_starlette", "starlette_context", "pydantic_settings"):
        if importlib.util.find_spec(module) is None:
            return f"llama-cpp-python's server needs {module} (the real-model extra)"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LlamaCppServer:
    """``python -m llama_cpp.server`` on a free local port; ``.url`` is its base URL.

    Use as a context manager: it starts the server and waits until ``/v1/models`` answers
    (loading the model takes seconds), and stops it on exit. Its log goes to ``.log``.
    """

    def __init__(self, model: str = MODEL, *, n_ctx: int = N_CTX, start_timeout: float = 120):
        self.model = model
        self.n_ctx = n_ctx
        self.start_timeout = start_timeout
        self.port = _free_port()
        self.log = Path(tempfile.mkstemp(prefix="llama-server-", suffix=".log")[1])
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LlamaCppServer:
        missing = openai_engine_missing()
        if missing is not None:
            raise RuntimeError(missing)
        command = [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            default_gguf(),
            "--model_alias",
            self.model,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.n_ctx),
            # The GGUF names no chat template: Gemma's, as Ollama's gemma3 template renders it.
            "--chat_format",
            "gemma",
        ]
        with self.log.open("wb") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited: {self.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/v1/models", timeout=1).status_code == 200:
                    return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"llama_cpp.server did not start in {self.start_timeout:g} s")

    def completions(self) -> int:
        """The ``/v1/completions`` requests served so far (from the server's access log)."""
        return self.log.read_text(errors="replace").count('"POST /v1/completions ')

    def tail(self, lines: int = 5) -> str:
        """The end of the server's log."""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> LlamaCppServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        self.log.unlink(missing_ok=True)
