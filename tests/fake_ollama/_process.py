"""Run the emulator in a child process and drive it through its ``/_fake`` control channel.

For suites whose client lives in another process (editor tests, benchmarks, the demo).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

__all__ = ["FakeOllamaProcess"]

_REPO_ROOT = Path(__file__).resolve().parents[2]


class FakeOllamaProcess:
    """``python -m tests.fake_ollama --port 0`` as a context manager.

    ``config`` (EmulatorConfig keys, plus ``rules`` and ``faults`` lists) is written to a
    temporary JSON file and passed with ``--config``.
    """

    def __init__(self, config: dict[str, Any] | None = None, *, timeout: float = 20.0) -> None:
        self.config = config or {}
        self.timeout = timeout
        self.url = ""
        self._process: subprocess.Popen[str] | None = None
        self._config_file: Path | None = None
        self._admin: httpx.Client | None = None

    def start(self) -> FakeOllamaProcess:
        command = [sys.executable, "-m", "tests.fake_ollama", "--port", "0"]
        if self.config:
            handle, name = tempfile.mkstemp(suffix=".json", prefix="fake-ollama-")
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(self.config, file)
            self._config_file = Path(name)
            command += ["--config", name]
        self._process = subprocess.Popen(
            command, cwd=_REPO_ROOT, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline().strip()
        if not line.startswith("http://"):
            self.stop()
            raise RuntimeError(f"the emulator did not start (printed {line!r})")
        self.url = line
        self._admin = httpx.Client(base_url=f"{line}/_fake", timeout=self.timeout)
        return self

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None
        if self._config_file is not None:
            self._config_file.unlink(missing_ok=True)
            self._config_file = None

    def __enter__(self) -> FakeOllamaProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """Call ``/_fake/<path>`` and return its JSON (raising on an error status)."""
        assert self._admin is not None, "start() first"
        response = self._admin.request(method, path, json=body)
        response.raise_for_status()
        return response.json()

    def add_rule(self, **rule: Any) -> None:
        self.admin("POST", "/rules", rule)

    def add_fault(self, kind: str, **fields: Any) -> None:
        self.admin("POST", "/faults", {"kind": kind, **fields})

    def configure(self, **values: Any) -> None:
        self.admin("PATCH", "/config", values)

    def requests(self, path: str | None = None) -> list[dict[str, Any]]:
        query = f"?path={path}" if path else ""
        records: list[dict[str, Any]] = self.admin("GET", f"/requests{query}")["requests"]
        return records

    def counters(self) -> dict[str, int]:
        counters: dict[str, int] = self.admin("GET", "/counters")
        return counters

    def reset(self) -> None:
        self.admin("POST", "/reset")
