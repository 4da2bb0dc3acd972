"""The emulator's knobs, settable from Python, a JSON file or the admin endpoint."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ._catalog import DEFAULT_PULLED

__all__ = ["GIB", "EmulatorConfig"]

GIB = 1024**3


@dataclass
class EmulatorConfig:
    """Defaults keep tests fast: no cold-load delay, unthrottled tokens, fast downloads."""

    version: str = "0.12.6"
    pulled: list[str] = field(default_factory=lambda: list(DEFAULT_PULLED))
    # Memory the "machine" offers to models (system RAM) and how much of it is GPU memory.
    memory_bytes: int = 32 * GIB
    vram_bytes: int = 0
    max_loaded_models: int = 3  # OLLAMA_MAX_LOADED_MODELS on CPU
    num_parallel: int = 1  # OLLAMA_NUM_PARALLEL: concurrent generations per loaded model
    default_keep_alive: float = 300.0  # 5m
    default_num_ctx: int = 4096
    load_seconds: float = 0.0  # cold-load time on first use
    # Scripted engine timing: seconds before the first token, tokens per second (0 = unthrottled).
    first_token_seconds: float = 0.0
    tokens_per_second: float = 0.0
    # Prompt tokens evaluated per second, past the cached prefix (0 = instantly).
    prompt_tokens_per_second: float = 0.0
    default_reply: str = "This is a scripted reply."
    # Registry emulation.
    pull_bytes_per_second: float = 20e9
    progress_interval: float = 0.06  # Ollama reports download progress about every 60 ms
    manifest_seconds: float = 0.0
    quantize_bytes_per_second: float = 50e9
    # Real-model engine: model name -> GGUF path ("" = the gemma3 270M package's file).
    real_models: dict[str, str] = field(default_factory=dict)

    def update(self, values: dict[str, Any]) -> None:
        """Apply a partial update; unknown keys raise ``KeyError``."""
        known = {f.name for f in fields(self)}
        unknown = set(values) - known
        if unknown:
            raise KeyError(f"unknown config keys: {sorted(unknown)}")
        for key, value in values.items():
            setattr(self, key, value)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_file(cls, path: str | Path) -> EmulatorConfig:
        """Load a JSON file: config keys, plus optional ``rules`` and ``faults`` lists."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        config = cls()
        config.update({k: v for k, v in data.items() if k not in ("rules", "faults")})
        return config
