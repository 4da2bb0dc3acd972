"""VS Code itself (code-server 4.139 = VS Code 1.139) with the packaged extension, the real
server and the emulator, driven in Chromium: ghost text, Tab, status bar, Pull Model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.editors.code_server import build_extension, code_server_home, drive, running_code_server
from tests.editors.emulator import generations
from tests.editors.server_probe import require_command
from tests.fake_ollama import FakeOllama

HOME, WHY_NOT = code_server_home()
pytestmark = [
    pytest.mark.editor,
    pytest.mark.code_server,
    pytest.mark.skipif(HOME is None, reason=WHY_NOT),
    pytest.mark.timeout(300),
]

MODEL = "qwen2.5-coder:1.5b-base"


@pytest.fixture(scope="module")
def code_server(
    fake_ollama_module: FakeOllama, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    assert HOME is not None
    build_extension()
    root = tmp_path_factory.mktemp("code-server")
    with running_code_server(HOME, root, fake_ollama_module.url, MODEL) as served:
        yield served


def test_ghost_text_appears_and_tab_accepts_it(
    code_server: tuple[str, Path], fake_ollama_shared: FakeOllama, tmp_path: Path
) -> None:
    url, workspace = code_server
    (workspace / "calc.py").write_text("import math\n\n")
    fake_ollama_shared.reply("return a + b", prefix_endswith="def add(a, b):\n    ")
    seen = drive(
        "inline",
        url,
        file="calc.py",
        completionModel=MODEL,
        screenshot=str(tmp_path / "inline.png"),
    )
    assert seen["ghost"] == "return a + b"
    assert "    return a + b" in seen["lines"]
    assert MODEL in seen["statusBefore"]
    assert generations(fake_ollama_shared)[-1].body["model"] == MODEL


def test_pull_model_shows_progress_until_done(
    code_server: tuple[str, Path], fake_ollama_shared: FakeOllama, tmp_path: Path
) -> None:
    require_command("ollama.pullModel")
    # In the server's catalog (the quick pick lists it) and known to the emulator; 7.4 GB at
    # 4 GB/s gives a couple of seconds of progress.
    model = "codellama:13b-code-q4_0"
    fake_ollama_shared.configure(pull_bytes_per_second=4e9)
    url, _ = code_server
    seen = drive(
        "pull", url, file="calc.py", completionModel=MODEL, model=model,
        screenshot=str(tmp_path / "pull.png"),
    )  # fmt: skip
    toasts = seen["seen"]
    widths = [
        t["width"] for t in toasts if t["progress"] and t["text"].startswith(f"Pulling {model}")
    ]
    assert any(w.endswith("%") and w not in ("0%", "1%", "100%") for w in widths), toasts
    endings = [t["text"] for t in toasts if f"pulled {model}" in t["text"].lower()]
    assert len(endings) == 1, toasts  # the server's message, not a second one of the extension
    assert model in fake_ollama_shared.installed()


def test_model_manager_lists_the_installed_models(
    code_server: tuple[str, Path], fake_ollama_shared: FakeOllama, tmp_path: Path
) -> None:
    require_command("ollama.listModels")
    url, _ = code_server
    seen = drive(
        "manager", url, file="calc.py", completionModel=MODEL, screenshot=str(tmp_path / "mm.png")
    )
    assert MODEL in seen["installed"]
    assert set(seen["installed"]) <= set(fake_ollama_shared.installed())
    assert not set(seen["catalog"]) & set(seen["installed"])
