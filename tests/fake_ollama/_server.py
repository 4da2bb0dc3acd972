"""Run the emulator with uvicorn on a real socket in a background thread."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, TypeVar

import uvicorn

from ._app import build_app
from ._config import EmulatorConfig
from ._faults import Fault
from ._listening import ConnectionGate, listening_socket, protocol_for
from ._real_model import LlamaCppEngine, real_model_missing
from ._recording import Counters, RecordedRequest
from ._scheduler import LoadedModel
from ._scripted import Rule
from ._state import FakeState

__all__ = ["FakeOllama"]

T = TypeVar("T")


class FakeOllama:
    """An Ollama stand-in on ``127.0.0.1``. Use as a context manager or call :meth:`start`.

    Configuration methods may be called from any thread; they take effect on the next request.
    """

    def __init__(
        self, config: EmulatorConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.config = config or EmulatorConfig()
        self.host = host
        self.port = port
        self.state = FakeState(self.config)
        if self.config.real_models:
            self.state.add_real_engine(LlamaCppEngine(self.config.real_models))
        self._gate = ConnectionGate()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: uvicorn.Server | None = None
        self._refuse_timer: asyncio.TimerHandle | None = None
        self._listen_task: asyncio.Task[None] | None = None
        self.state.connections.refuse = self._refuse_now
        self.state.connections.accept = self._accept_now
        self.state.connections.drop = self._drop_now

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> FakeOllama:
        sock = listening_socket(self.host, self.port)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            build_app(self.state),
            log_config=None,
            log_level="warning",
            lifespan="off",
            access_log=False,
            http=protocol_for(self._gate),
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(sock, ready), name=f"fake-ollama:{self.port}", daemon=True
        )
        self._thread.start()
        if not ready.wait(timeout) or not self._server.started:
            raise RuntimeError("the Ollama emulator did not start")
        return self

    def _run(self, sock: socket.socket, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        assert self._server is not None
        server = self._server

        async def serve() -> None:
            task = asyncio.create_task(server.serve(sockets=[sock]))
            while not server.started and not task.done():  # noqa: ASYNC110 (uvicorn has no event)
                await asyncio.sleep(0.005)
            ready.set()
            await task

        try:
            loop.run_until_complete(serve())
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        finally:
            ready.set()
            loop.close()

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._server = None

    def __enter__(self) -> FakeOllama:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def call(self, fn: Callable[[], T], timeout: float = 10.0) -> T:
        """Run ``fn`` on the server's event loop (state the loop owns) and return its result."""
        loop = self._loop
        if loop is None or not loop.is_running():
            return fn()
        with contextlib.suppress(RuntimeError):
            if asyncio.get_running_loop() is loop:
                return fn()

        async def run() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), loop).result(timeout)

    # -- scripted replies ---------------------------------------------------------------------

    def add_rule(self, rule: Rule | None = None, **fields: Any) -> Rule:
        """Add a :class:`Rule` (or build one from keyword fields); the newest rule wins."""
        return self.state.scripted.add_rule(rule if rule is not None else Rule(**fields))

    def reply(self, text: str | Callable[[Any], str], **match: Any) -> Rule:
        """Shortcut: answer ``text`` to requests matching ``match`` (Rule fields)."""
        return self.add_rule(Rule(reply=text, **match))

    def clear_rules(self) -> None:
        self.state.scripted.clear_rules()

    def use_real_model(
        self, name: str = "gemma3:270m", gguf: str = "", *, fim: bool = True
    ) -> None:
        """Serve ``name`` with llama-cpp-python (``gguf`` defaults to the gemma3 270M file).

        ``fim=False`` serves it as Ollama ships gemma3: a chat template without ``.Suffix``,
        so no ``insert`` capability (the server then sends a prefix-only prompt).

        Raises ``RuntimeError`` when the real-model extra is missing.
        """
        missing = real_model_missing()
        if missing:
            raise RuntimeError(missing)
        engine = LlamaCppEngine({name: gguf}, fim=fim)
        self.config.real_models[name] = gguf
        self.call(lambda: self.state.add_real_engine(engine))

    def runner_pid(self, name: str = "gemma3:270m") -> int | None:
        """The process id of the llama.cpp runner serving ``name`` (``None``: none runs)."""
        for engine in self.state.real_engines:
            if engine.serves(name):
                return engine.runner_pid(name)
        return None

    def configure(self, **values: Any) -> None:
        """Change :class:`EmulatorConfig` fields, e.g. ``tokens_per_second=50``."""
        self.config.update(values)

    # -- faults -------------------------------------------------------------------------------

    def add_fault(self, fault: Fault | str, **fields: Any) -> Fault:
        """Arm a :class:`Fault` (or build one: ``add_fault("cut", after_chunks=2)``)."""
        armed = fault if isinstance(fault, Fault) else Fault(kind=fault, **fields)  # type: ignore[arg-type]
        self.state.faults.add(armed)
        return armed

    def clear_faults(self) -> None:
        self.state.faults.clear()
        self._gate.count = None
        self._gate.until = 0.0

    def refuse_connections(self, seconds: float = 0.0) -> None:
        """Stop listening (connections are refused) until :meth:`accept_connections`, or for
        ``seconds``. Open keep-alive connections are closed too, as if Ollama had exited."""
        self.call(lambda: self._refuse_now(seconds))

    def accept_connections(self) -> None:
        self.call(self._accept_now)

    def drop_connections(self, count: int | None = None, seconds: float = 0.0) -> None:
        """Accept and immediately close the next ``count`` connections (or all, for
        ``seconds``)."""
        self._drop_now(count, seconds)

    def _drop_now(self, count: int | None, seconds: float) -> None:
        self._gate.count = count
        self._gate.until = time.monotonic() + seconds if seconds > 0 else 0.0

    def _refuse_now(self, seconds: float) -> None:
        server = self._server
        if server is None:
            return
        for listener in server.servers:
            listener.close()
        server.servers = []
        for connection in list(server.server_state.connections):
            connection.shutdown()
        if seconds > 0:
            loop = asyncio.get_running_loop()
            self._refuse_timer = loop.call_later(seconds, self._accept_now)

    def _accept_now(self) -> None:
        server = self._server
        if server is None or server.servers:
            return
        if self._refuse_timer is not None:
            self._refuse_timer.cancel()
            self._refuse_timer = None
        loop = asyncio.get_running_loop()
        sock = listening_socket(self.host, self.port)
        config = server.config

        def protocol() -> asyncio.Protocol:
            return config.http_protocol_class(  # type: ignore[call-arg]
                config=config,
                server_state=server.server_state,
                app_state=server.lifespan.state,
                _loop=loop,
            )

        async def listen() -> None:
            server.servers = [await loop.create_server(protocol, sock=sock)]

        self._listen_task = loop.create_task(listen())

    # -- models -------------------------------------------------------------------------------

    def set_pulled(self, names: Iterable[str], *, keep_partial: bool = False) -> None:
        """Replace the installed models with catalog ``names`` (and unload everything)."""

        def apply() -> None:
            state = self.state
            for key in list(state.scheduler.loaded):
                state.scheduler.unload(key)
            state.store.models.clear()
            state.store.blobs.clear()
            if not keep_partial:
                state.store.partial.clear()
            state.store.install_catalog(list(names))

        self.call(apply)

    def installed(self) -> list[str]:
        return self.call(lambda: [m.name.display for m in self.state.store.listing()])

    def loaded(self) -> list[LoadedModel]:
        return self.call(self.state.scheduler.running)

    def partial_bytes(self) -> dict[str, int]:
        """Digest -> bytes kept from interrupted downloads."""
        return self.call(lambda: dict(self.state.store.partial))

    # -- what happened -------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.state.recorder.snapshot()

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]

    @property
    def counters(self) -> Counters:
        return self.state.recorder.counters

    def clear_requests(self) -> None:
        self.state.recorder.clear()

    def reset(self) -> None:
        """Back to the starting state: models, runners, rules, faults, records, config."""
        self.clear_faults()
        self.call(self.state.reset)
        self.accept_connections()
