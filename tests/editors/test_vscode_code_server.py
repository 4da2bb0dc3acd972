"""VS Code itself (code-server 4.139 = VS Code 1.139) with the packaged extension, the real
server and the emulator, driven in Chromium: ghost text, partial accept, cycling the choices
and the counts of what became of each suggestion, the status bar and its menu, first run,
Pull Model, switching, the Model Manager, the chat view.

``OLLAMA_LSP_SCREENSHOTS=docs/images`` makes the screenshot test write the pictures of
docs/editors.md there (else into the test's temporary folder)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import ollama
import pytest

from tests.editors.code_server import (
    build_extension,
    code_server_home,
    drive,
    running_code_server,
    write_settings,
)
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


def test_next_edit_after_a_rename_tab_jumps_then_accepts_it(
    code_server: tuple[str, Path], fake_ollama_shared: FakeOllama, tmp_path: Path
) -> None:
    url, workspace = code_server
    source = "def total(items, rate):\n    subtotal = sum(items)\n    return subtotal * rate\n"
    (workspace / "orders.py").write_text(source)
    ollama.Client(host=fake_ollama_shared.url).create(model="zeta:latest", from_=MODEL)
    fake_ollama_shared.reply("", fim=True)  # no ghost text: Tab is the next edit's
    fake_ollama_shared.add_rule(rewrite_region=[["* rate", "* tax"]])
    write_settings(
        workspace.parent, fake_ollama_shared.url, MODEL, **{"ollama.nextEdit.model": "zeta:latest"}
    )
    try:
        seen = drive(
            "nextEdit", url, file="orders.py", completionModel=MODEL,
            screenshot=str(tmp_path / "next-edit.png"),
        )  # fmt: skip
    finally:
        write_settings(workspace.parent, fake_ollama_shared.url, MODEL)
    assert any("Tab to jump to the edit on line 3" in text for text in seen["farHint"])
    assert any(text == "tax" for text in seen["farHint"])  # the new text beside the old
    assert "rate" in seen["struck"]  # the old text struck through
    assert any("Tab to accept" in text for text in seen["nearHint"])
    assert seen["beforeAccept"][:3] == [
        "def total(items, tax):",
        "    subtotal = sum(items)",
        "    return subtotal * rate",
    ]
    # exactly those characters: the use renamed, nothing else touched
    assert seen["lines"][:3] == [
        "def total(items, tax):",
        "    subtotal = sum(items)",
        "    return subtotal * tax",
    ]
    assert not any("Tab to" in text for text in seen["after"])  # the hint is gone
    requests = [r for r in fake_ollama_shared.requests_to("/api/generate") if r.body.get("raw")]
    assert any(r.model == "zeta:latest" for r in requests)


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


def test_model_manager_lists_models_by_role_and_compares_them(
    code_server: tuple[str, Path], fake_ollama_shared: FakeOllama, tmp_path: Path
) -> None:
    require_command("ollama.listModels")
    url, _ = code_server
    pair = [MODEL, "codellama:7b-code"]
    seen = drive(
        "manager", url, file="calc.py", completionModel=MODEL, models=pair,
        screenshot=str(tmp_path / "mm.png"),
    )  # fmt: skip
    assert MODEL in seen["installed"]
    assert set(seen["installed"]) <= set(fake_ollama_shared.installed())
    # the catalog offers no model that is installed, not even under its longer tag
    assert "qwen2.5-coder:1.5b-base" in seen["catalog"]  # the row of its other levels
    assert "qwen2.5-coder:1.5b-base-q4_K_M" not in seen["levels"]["qwen2.5-coder:1.5b-base"]
    # one action per role the model can take; the role's model shows a check
    assert seen["roles"][MODEL].startswith("✓ completion")
    assert "Completion" not in seen["roles"]["nomic-embed-text:latest"]
    assert "Chat" not in seen["roles"]["nomic-embed-text:latest"]
    assert "Completion" not in seen["roles"]["tinyllama:latest"]  # no fill-in-the-middle
    rows = {row[0]: row[1:] for row in seen["comparison"]}
    assert rows["Parameters"] == ["1.5B", "7B"], rows
    assert rows["Quantization"] == ["Q4_K_M", "Q4_0"], rows


def test_a_failed_pull_in_the_model_manager_says_why_once(
    code_server: tuple[str, Path], fake_ollama_shared: FakeOllama, tmp_path: Path
) -> None:
    fake_ollama_shared.add_fault("status", path="/api/pull", status=500, message="registry down")
    url, _ = code_server
    seen = drive(
        "managerPull", url, file="calc.py", completionModel=MODEL, model="starcoder2:7b",
        screenshot=str(tmp_path / "pull-failed.png"),
    )  # fmt: skip
    assert seen["row"].count("failed") == 1, seen["row"]
    assert "registry down" in seen["row"]
    assert not seen["banner"]
    failures = [t for t in seen["toasts"] if "failed" in t]
    assert len(failures) == 1 and failures[0].count("failed") == 1, seen["toasts"]


def test_switching_the_model_shows_one_progress_and_one_rounded_message(
    code_server: tuple[str, Path], fake_ollama_shared: FakeOllama, tmp_path: Path
) -> None:
    fake_ollama_shared.configure(load_seconds=1.5)
    url, _ = code_server
    seen = drive(
        "switchModel", url, file="calc.py", completionModel=MODEL, model="starcoder2:3b",
        screenshot=str(tmp_path / "switch.png"),
    )  # fmt: skip
    toasts = seen["seen"]
    loading = {t["text"] for t in toasts if t["text"].startswith("Loading")}
    assert len(loading) == 1, toasts
    told = [t["text"] for t in toasts if "now" in t["text"]]
    assert len(told) == 1, toasts
    assert re.search(r"loaded in \d+(\.\d)? s\)|loaded in \d+ ms\)", told[0]), told


def test_the_status_bar_keeps_the_last_speed(
    code_server: tuple[str, Path], fake_ollama_shared: FakeOllama, tmp_path: Path
) -> None:
    url, workspace = code_server
    (workspace / "speed.py").write_text("import math\n\n")
    # slow enough to be announced as generating: the speed comes with the idle after it
    fake_ollama_shared.reply(
        "return a * b", prefix_endswith="def mul(a, b):\n    ", first_token_seconds=0.6
    )
    seen = drive(
        "speed", url, file="speed.py", completionModel=MODEL, screenshot=str(tmp_path / "speed.png")
    )
    assert re.search(r"\d+ tok/s", seen["text"]), seen
    assert MODEL in seen["status"]


def test_first_run_offers_to_pull_the_model_and_recovers(
    code_server: tuple[str, Path], fake_ollama_shared: FakeOllama, tmp_path: Path
) -> None:
    fake_ollama_shared.set_pulled([])
    url, _ = code_server
    seen = drive(
        "firstRun", url, file="calc.py", completionModel=MODEL,
        screenshot=str(tmp_path / "first-run.png"),
    )  # fmt: skip
    assert f"Pull {MODEL}" in seen["before"]
    notice = seen["notice"]
    assert f"Pull {MODEL}" in notice["buttons"] and "Open Model Manager" in notice["buttons"]
    assert "`" not in notice["text"]
    assert any("Pull a model" in row for row in seen["selectRows"]), seen["selectRows"]
    assert any(t.startswith(f"Pulled {MODEL}") for t in seen["pulled"])
    assert MODEL in seen["after"] and "Pull" not in seen["after"]
    assert MODEL in fake_ollama_shared.installed()


ANSWER = "Use `+`:\n\n```python\ndef add(a, b):\n    return a + b\n```\n"


def chat_replies(fake: FakeOllama) -> None:
    fake.reply(ANSWER, endpoint="chat", prompt_contains="add two numbers")
    story = " ".join(f"Number {i} went on." for i in range(400))
    fake.reply(story, endpoint="chat", prompt_contains="long story", tokens_per_second=8)
    fake.reply("Use `-`.", endpoint="chat", prompt_contains="subtraction")


def test_chat_view_answers_inserts_code_stops_and_queues(
    code_server: tuple[str, Path], fake_ollama_shared: FakeOllama, tmp_path: Path
) -> None:
    url, workspace = code_server
    (workspace / "chat.py").write_text("# numbers\n\n")
    chat_replies(fake_ollama_shared)
    seen = drive(
        "chat", url, file="chat.py", completionModel=MODEL, screenshot=str(tmp_path / "chat.png")
    )
    assert "<code>+</code>" in seen["answer"]
    assert '<div class="code-block">' in seen["answer"]
    assert "    return a + b" in seen["lines"]
    assert seen["stopped"].startswith("■ Stopped")
    assert "Queued" in seen["queued"]
    assert seen["third"] == "Use -."
    chats = fake_ollama_shared.requests_to("/api/chat")
    assert [len(r.body["messages"]) for r in chats] == [2, 4, 6]  # one conversation, kept


def test_status_menu_offers_the_everyday_actions(
    code_server: tuple[str, Path], tmp_path: Path
) -> None:
    url, _ = code_server
    seen = drive(
        "statusMenu", url, file="calc.py", completionModel=MODEL,
        screenshot=str(tmp_path / "menu.png"),
    )  # fmt: skip
    text = "\n".join(seen["rows"])
    for action in ("Completion model", "Chat model", "Pull a model", "Open Model Manager",
                   "Open Chat", "Disable for python", "Show Logs"):  # fmt: skip
        assert action in text, seen["rows"]
    assert MODEL in seen["title"]


def test_accept_word_and_accept_line_take_part_of_the_suggestion(
    code_server: tuple[str, Path], fake_ollama_shared: FakeOllama, tmp_path: Path
) -> None:
    url, workspace = code_server
    (workspace / "area.py").write_text("import math\n\n")
    fake_ollama_shared.reply(
        "result = w * h\n    return result", prefix_endswith="def area(w, h):\n    "
    )
    seen = drive(
        "partial", url, file="area.py", completionModel=MODEL,
        screenshot=str(tmp_path / "partial.png"),
    )  # fmt: skip
    assert "result = w * h" in seen["ghost"], seen
    assert "    result" in seen["afterWord"] and "    result = w * h" not in seen["afterWord"]
    assert seen["ghostAfterWord"] == " = w * h", seen
    assert "    result = w * h" in seen["afterLine"], seen
    assert "    return result" not in seen["afterLine"], seen
    assert "return result" in seen["ghostAfterLine"], seen
    assert seen["lines"][-2:] == ["    result = w * h", "    return result"], seen


def test_show_next_and_previous_cycle_the_choices_and_tab_takes_the_one_shown(
    code_server: tuple[str, Path], fake_ollama_shared: FakeOllama, tmp_path: Path
) -> None:
    url, workspace = code_server
    (workspace / "choices.py").write_text("import math\n\n")
    header = "def area(w, h):\n    "
    fake_ollama_shared.reply("return w * h", prefix_endswith=header)
    fake_ollama_shared.reply("result = w * h", prefix_endswith=header, options={"seed": 1})
    fake_ollama_shared.reply("return h * w", prefix_endswith=header, options={"seed": 2})
    seen = drive(
        "choices", url, file="choices.py", completionModel=MODEL,
        screenshot=str(tmp_path / "choices.png"),
    )  # fmt: skip
    assert seen["first"] == "return w * h", seen
    assert [seen["second"], seen["third"], seen["back"]] == [
        "result = w * h",
        "return h * w",
        "result = w * h",
    ], seen
    assert seen["lines"][-1] == "    result = w * h", seen
    samples = [g for g in generations(fake_ollama_shared) if "seed" in g.body["options"]]
    assert [g.body["options"]["seed"] for g in samples] == [1, 2]  # sampled once
    # The first was shown and left for the second, which was taken whole by its command.
    assert re.search(r"\b50% of suggestions accepted, 2 shown\b", seen["outcomes"]), seen


def test_a_word_taken_and_suggestions_left_are_counted(
    code_server: tuple[str, Path], fake_ollama_shared: FakeOllama, tmp_path: Path
) -> None:
    url, workspace = code_server
    (workspace / "outcomes.py").write_text("def area(w, h):\n    \n\ndef mul(a, b):\n    \n")
    fake_ollama_shared.reply(
        "result = w * h\n    return result", prefix_endswith="def area(w, h):\n    "
    )
    fake_ollama_shared.reply("return a * b", prefix_endswith="def mul(a, b):\n    ")
    seen = drive(
        "outcomes", url, file="outcomes.py", completionModel=MODEL,
        screenshot=str(tmp_path / "outcomes.png"),
    )  # fmt: skip
    assert seen["before"] == "", seen  # this window's server has counted nothing yet
    assert seen["area"].startswith("result = w * h") and seen["mul"] == "return a * b", seen
    assert seen["lines"][1] == "    result", seen
    counted = r"\b0% of suggestions accepted, 2 shown · 50% partly · 50% dismissed"
    assert re.search(counted, seen["after"]), seen


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshots_for_the_docs(
    code_server: tuple[str, Path], fake_ollama_shared: FakeOllama, tmp_path: Path, theme: str
) -> None:
    url, workspace = code_server
    (workspace / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    chat_replies(fake_ollama_shared)
    write_settings(workspace.parent, fake_ollama_shared.url, MODEL, theme)
    target = Path(os.environ.get("OLLAMA_LSP_SCREENSHOTS") or tmp_path)
    try:
        seen = drive(
            "shots", url, file="calc.py", completionModel=MODEL, theme=theme,
            shotsDir=str(target.resolve()),
        )  # fmt: skip
    finally:
        write_settings(workspace.parent, fake_ollama_shared.url, MODEL)
    for path in seen["written"]:
        assert Path(path).stat().st_size > 10_000
