"""Models on "disk": installed names, the blobs they use and partially downloaded blobs."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ._catalog import ModelSpec, resolve_catalog
from ._names import ModelName, parse_name

__all__ = ["InstalledModel", "ModelStore"]


@dataclass
class InstalledModel:
    """A local manifest: a name pointing at a model build."""

    name: ModelName
    spec: ModelSpec
    modified_ns: int = field(default_factory=time.time_ns)


@dataclass
class ModelStore:
    """Only touched from the server's event loop."""

    models: dict[str, InstalledModel] = field(default_factory=dict)
    blobs: set[str] = field(default_factory=set)
    partial: dict[str, int] = field(default_factory=dict)

    def install(self, name: ModelName, spec: ModelSpec) -> InstalledModel:
        for layer in spec.layers:
            self.blobs.add(layer.digest)
            self.partial.pop(layer.digest, None)
        installed = InstalledModel(name, spec)
        self.models[name.key] = installed
        return installed

    def install_catalog(self, names: list[str]) -> None:
        for text in names:
            name = parse_name(text)
            spec = resolve_catalog(name) if name else None
            if name is None or spec is None:
                raise ValueError(f"not in the catalog: {text}")
            self.install(name, spec)

    def get(self, name: ModelName) -> InstalledModel | None:
        return self.models.get(name.key)

    def remove(self, name: ModelName) -> InstalledModel | None:
        removed = self.models.pop(name.key, None)
        if removed is not None:
            used = {layer.digest for m in self.models.values() for layer in m.spec.layers}
            self.blobs &= used
        return removed

    def listing(self) -> list[InstalledModel]:
        """Newest first, as ``ollama list`` shows them."""
        return sorted(self.models.values(), key=lambda m: m.modified_ns, reverse=True)
