"""Everything one emulator instance holds, in one object the routes share."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.requests import Request

from ._config import EmulatorConfig
from ._downloads import Downloads
from ._faults import FaultBook
from ._generation import Engine
from ._real_model import LlamaCppEngine
from ._recording import Counters, Recorder
from ._scheduler import Scheduler
from ._scripted import ScriptedEngine
from ._store import ModelStore

__all__ = ["ConnectionControl", "FakeState", "state_of"]


@dataclass
class ConnectionControl:
    """Hooks the server installs so routes (the admin API) can refuse or drop connections."""

    refuse: Callable[[float], None] = lambda seconds: None
    accept: Callable[[], None] = lambda: None
    drop: Callable[[int | None, float], None] = lambda count, seconds: None


@dataclass
class FakeState:
    config: EmulatorConfig
    recorder: Recorder = field(default_factory=Recorder)
    faults: FaultBook = field(default_factory=FaultBook)
    store: ModelStore = field(default_factory=ModelStore)
    connections: ConnectionControl = field(default_factory=ConnectionControl)
    real_engines: list[LlamaCppEngine] = field(default_factory=list)
    scheduler: Scheduler = field(init=False)
    downloads: Downloads = field(init=False)
    scripted: ScriptedEngine = field(init=False)
    initial_config: EmulatorConfig = field(init=False)

    def __post_init__(self) -> None:
        self.initial_config = copy.deepcopy(self.config)
        self.scheduler = Scheduler(self.config, self.counters)
        self.downloads = Downloads(self.config, self.store, self.counters)
        self.scripted = ScriptedEngine(self.config)
        self._install_all()

    def _install_all(self) -> None:
        self.store.install_catalog(self.config.pulled)
        for engine in self.real_engines:
            for name, spec in engine.specs.values():
                self.store.install(name, spec)

    def add_real_engine(self, engine: LlamaCppEngine) -> None:
        """Serve ``engine``'s models with it (installed now and after every reset)."""
        self.real_engines.append(engine)
        for name, spec in engine.specs.values():
            self.store.install(name, spec)

    def counters(self) -> Counters:
        return self.recorder.counters

    def engine_for(self, model: str) -> Engine:
        for engine in self.real_engines:
            if engine.serves(model):
                return engine
        return self.scripted

    def reset(self) -> None:
        """Back to the state at start: models, runners, rules, faults, records, config."""
        for key in list(self.scheduler.loaded):
            self.scheduler.unload(key)
        self.downloads.cancel_all()
        self.config.update(copy.deepcopy(self.initial_config).to_json())
        self.store.models.clear()
        self.store.blobs.clear()
        self.store.partial.clear()
        self._install_all()
        self.scripted.clear_rules()
        self.faults.clear()
        self.recorder.clear()


def state_of(request: Request) -> FakeState:
    """The emulator state behind a request's app."""
    state: FakeState = request.app.state.fake
    return state
