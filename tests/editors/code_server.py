"""code-server (VS Code in a browser) with the packaged extension, for the code-server suite.

``CODE_SERVER_HOME`` names a folder where ``npm install node@24 code-server`` ran (the script
editors/vscode/scripts/code-server-tests makes it); without it the suite is skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

VSCODE = Path(__file__).resolve().parents[2] / "editors" / "vscode"
VSIX = VSCODE / "ollama-lsp.vsix"
DRIVER = VSCODE / "out" / "test" / "e2e" / "codeServer.js"


def code_server_home() -> tuple[Path | None, str]:
    """The install folder, or None and why the suite cannot run."""
    home = os.environ.get("CODE_SERVER_HOME")
    if not home:
        return None, "the code-server suite runs from editors/vscode/scripts/code-server-tests"
    binary = Path(home) / "node_modules" / ".bin" / "code-server"
    if not binary.exists():
        return None, f"no code-server in CODE_SERVER_HOME ({binary} is missing)"
    return Path(home), ""


def build_extension() -> None:
    """Package the .vsix and compile the browser driver when missing (the script rebuilds both)."""
    npm = shutil.which("npm")
    assert npm is not None, "npm is needed to package the extension"
    if not VSIX.exists():
        subprocess.run([npm, "run", "--silent", "package"], cwd=VSCODE, check=True)
    if not DRIVER.exists():
        subprocess.run([npm, "exec", "--", "tsc", "-p", "test"], cwd=VSCODE, check=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


THEMES = {"light": "Default Light Modern", "dark": "Default Dark Modern"}
CHAT_MODEL = "codellama:7b-instruct"
# Accept Next Line has no default key in VS Code; the suite binds one to drive it.
KEYBINDINGS = [
    {
        "key": "alt+l",
        "command": "editor.action.inlineSuggest.acceptNextLine",
        "when": "inlineSuggestionVisible && !editorReadonly",
    }
]


def _settings(ollama_url: str, model: str, theme: str = "dark", **extra: Any) -> dict[str, Any]:
    return {
        "ollama.server.command": sys.executable,
        "ollama.server.args": ["-m", "ollama_lsp"],
        # The suite's counts and records stay out of the user's own model store.
        "ollama.server.env": {"OLLAMA_LSP_STORE": ":memory:"},
        "ollama.endpoints": [ollama_url],
        "ollama.completion.model": model,
        "ollama.chat.model": CHAT_MODEL,
        "workbench.colorTheme": THEMES[theme],
        "workbench.secondarySideBar.defaultVisibility": "hidden",
        "workbench.startupEditor": "none",
        "security.workspace.trust.enabled": False,
        "telemetry.telemetryLevel": "off",
        "update.mode": "none",
        "extensions.autoCheckUpdates": False,
        "extensions.autoUpdate": False,
        "workbench.tips.enabled": False,
        "editor.quickSuggestions": {"other": False, "comments": False, "strings": False},
        "editor.suggestOnTriggerCharacters": False,
        "chat.disableAIFeatures": True,
        **extra,
    }


def write_settings(
    root: Path, ollama_url: str, model: str, theme: str = "dark", **extra: Any
) -> None:
    """The profile's settings (a window opened afterwards reads them); ``extra`` adds keys.

    Machine settings too: in code-server the extension host is remote, and machine-scoped
    settings (the server command) are read from there.
    """
    for scope in ("User", "Machine"):
        (root / "data" / scope).mkdir(parents=True, exist_ok=True)
        settings = json.dumps(_settings(ollama_url, model, theme, **extra))
        (root / "data" / scope / "settings.json").write_text(settings)


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"code-server exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"code-server did not answer: {log.read_text()[-2000:]}")


@contextmanager
def running_code_server(
    home: Path, root: Path, ollama_url: str, model: str
) -> Iterator[tuple[str, Path]]:
    """Install the .vsix into a fresh profile and serve ``root/workspace``; yields (url, folder)."""
    binary = str(home / "node_modules" / ".bin" / "code-server")
    env = {
        **os.environ,
        "PATH": f"{home / 'node_modules' / 'node' / 'bin'}{os.pathsep}{os.environ['PATH']}",
    }
    data, extensions, workspace = root / "data", root / "extensions", root / "workspace"
    workspace.mkdir(parents=True)
    write_settings(root, ollama_url, model)
    (data / "User" / "keybindings.json").write_text(json.dumps(KEYBINDINGS))
    profile = ["--user-data-dir", str(data), "--extensions-dir", str(extensions)]
    subprocess.run(
        [binary, *profile, "--install-extension", str(VSIX)],
        env=env,
        check=True,
        capture_output=True,
    )
    port = _free_port()
    log = root / "code-server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, *profile, "--auth", "none", "--bind-addr", f"127.0.0.1:{port}",
             "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust",
             "--disable-getting-started-override", str(workspace)],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        _wait_until_serving(f"http://127.0.0.1:{port}/healthz", process, log)
        yield f"http://127.0.0.1:{port}/?folder={workspace}", workspace
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def drive(scenario: str, url: str, **args: Any) -> dict[str, Any]:
    """Run one browser scenario of the driver; returns what it observed."""
    node = shutil.which("node")
    assert node is not None
    done = subprocess.run(
        [node, str(DRIVER), json.dumps({"scenario": scenario, "url": url, **args})],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
