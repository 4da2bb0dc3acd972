"""Model names as Ollama parses them: ``[host/][namespace/]model[:tag][@digest]``."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DEFAULT_HOST", "DEFAULT_NAMESPACE", "ModelName", "parse_name"]

DEFAULT_HOST = "registry.ollama.ai"
DEFAULT_NAMESPACE = "library"
DEFAULT_TAG = "latest"

_HOST = re.compile(r"^[A-Za-z0-9_.:-]{1,350}$")
_NAMESPACE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,79}$")
_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$")


@dataclass(frozen=True)
class ModelName:
    """A fully qualified model name; comparisons use :attr:`key` (Ollama matches names
    case-insensitively)."""

    host: str
    namespace: str
    model: str
    tag: str

    @property
    def full(self) -> str:
        """``registry.ollama.ai/library/codellama:7b-code``: used in the insert error text."""
        return f"{self.host}/{self.namespace}/{self.model}:{self.tag}"

    @property
    def display(self) -> str:
        """Ollama's ``DisplayShortest``: default host and namespace dropped."""
        if self.host != DEFAULT_HOST:
            return self.full
        if self.namespace != DEFAULT_NAMESPACE:
            return f"{self.namespace}/{self.model}:{self.tag}"
        return f"{self.model}:{self.tag}"

    @property
    def key(self) -> str:
        return self.full.lower()

    @property
    def is_library(self) -> bool:
        return self.host == DEFAULT_HOST and self.namespace == DEFAULT_NAMESPACE


def parse_name(text: str) -> ModelName | None:
    """Parse a model reference; ``None`` when Ollama would answer ``invalid model name``."""
    text = text.strip()
    if "://" in text:
        text = text.split("://", 1)[1]
    text = text.split("@", 1)[0]
    if not text:
        return None
    parts = text.split("/")
    if len(parts) > 3:
        return None
    last = parts[-1]
    model, _, tag = last.partition(":")
    tag = tag or DEFAULT_TAG
    namespace = parts[-2] if len(parts) >= 2 else DEFAULT_NAMESPACE
    host = parts[-3] if len(parts) == 3 else DEFAULT_HOST
    if not (
        _HOST.match(host)
        and _NAMESPACE.match(namespace)
        and _PART.match(model)
        and _PART.match(tag)
    ):
        return None
    return ModelName(host, namespace, model, tag)
