"""The CLI against the emulator: in-process ``main([...])``, and once as a real process."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from ollama_lsp.cli import main
from ollama_lsp.store import STORE_ENV, ModelStore, OutcomeCounts
from tests.fake_ollama import FakeOllama

# Nothing listens here: a command that reaches the emulator used --host, not the environment.
UNREACHABLE = "http://127.0.0.1:9"


@pytest.fixture(autouse=True)
def no_ambient_ollama(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLLAMA_HOST", UNREACHABLE)
    monkeypatch.delenv("OLLAMA_API_KEY", raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_models_lists_the_pulled_models_and_marks_the_configured_one(
    fake_ollama_shared: FakeOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_ollama_shared.set_pulled(["starcoder2:3b", "tinyllama:latest"])
    status, out, _ = run(
        capsys, "models", "--host", fake_ollama_shared.url, "--model", "starcoder2:3b"
    )
    assert status == 0
    rows = {line[2:].split()[0]: line[0] for line in out.splitlines()[1:-1]}
    assert rows == {"starcoder2:3b": "*", "tinyllama:latest": " "}


def test_complete_prints_the_suggestion_for_a_one_based_position(
    fake_ollama_shared: FakeOllama, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "calc.py"
    source.write_text("def add(a, b):\n    \n")
    fake_ollama_shared.reply("return a + b", prefix_endswith="def add(a, b):\n    ")
    status, out, _ = run(capsys, "complete", f"{source}:2:5", "--host", fake_ollama_shared.url)
    assert (status, out) == (0, "return a + b\n")
    request = fake_ollama_shared.requests_to("/api/generate")[-1]
    assert request.body["model"] == "qwen2.5-coder:1.5b-base"
    assert request.fim_suffix is not None and request.fim_suffix.startswith("\n")


def test_complete_rejects_a_position_past_the_line(
    fake_ollama_shared: FakeOllama, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "calc.py"
    source.write_text("x = 1\n")
    status, _, err = run(capsys, "complete", f"{source}:1:9", "--host", fake_ollama_shared.url)
    assert status == 2
    assert err == "ollama-lsp: column 9 is past the end of line 1\n"


@pytest.mark.parametrize(
    ("name", "text", "why"),
    [
        ("notes.md", "# Notes\n", "completion is off here"),
        ("secrets.py", "API_KEY = \n", "the file is excluded"),
    ],
)
def test_complete_says_why_there_is_no_suggestion(
    fake_ollama_shared: FakeOllama,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    name: str,
    text: str,
    why: str,
) -> None:
    source = tmp_path / name
    source.write_text(text)
    before = len(fake_ollama_shared.requests_to("/api/generate"))
    status, out, err = run(capsys, "complete", f"{source}:1:3", "--host", fake_ollama_shared.url)
    assert (status, out) == (1, "")
    assert err.startswith(f"no suggestion at this position: {why}")
    assert len(fake_ollama_shared.requests_to("/api/generate")) == before


def test_complete_fails_with_the_backend_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "calc.py"
    source.write_text("def add(a, b):\n    \n")
    status, out, err = run(capsys, "complete", f"{source}:2:5", "--host", UNREACHABLE)
    assert (status, out) == (1, "")
    assert err.startswith("ollama-lsp: ") and "Ollama" in err


def test_chat_streams_the_answer_to_a_prompt_from_stdin(
    fake_ollama_shared: FakeOllama,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_ollama_shared.reply("Use a dict.", endpoint="chat", prompt_contains="lookup table")
    monkeypatch.setattr(sys, "stdin", io.StringIO("How do I build a lookup table?"))
    status, out, _ = run(
        capsys, "chat", "--host", fake_ollama_shared.url, "--model", "codellama:7b-instruct"
    )
    assert (status, out) == (0, "Use a dict.\n")
    assert fake_ollama_shared.requests_to("/api/chat")[-1].body["model"] == "codellama:7b-instruct"


def test_pull_then_rm_change_what_is_installed(
    fake_ollama_shared: FakeOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    host = ["--host", fake_ollama_shared.url]
    status, out, err = run(capsys, "pull", "deepseek-coder:6.7b-base", *host)
    assert (status, out) == (0, "pulled deepseek-coder:6.7b-base\n")
    assert "deepseek-coder:6.7b-base" in fake_ollama_shared.installed()
    # Not a terminal: plain lines, ending at 100 %, no carriage returns.
    assert "\r" not in err and " 100% " in err and err.splitlines()[-1] == "success"
    status, out, _ = run(capsys, "rm", "deepseek-coder:6.7b-base", *host)
    assert (status, out) == (0, "deleted deepseek-coder:6.7b-base\n")
    assert "deepseek-coder:6.7b-base" not in fake_ollama_shared.installed()


def test_an_unknown_model_is_one_line_on_stderr_and_status_1(
    fake_ollama_shared: FakeOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "rm", "nope:1b", "--host", fake_ollama_shared.url)
    assert (status, out) == (1, "")
    assert err.startswith("ollama-lsp: model 'nope:1b' is not pulled")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_doctor_is_ready_when_the_model_is_pulled_and_fills_in_the_middle(
    fake_ollama_shared: FakeOllama, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "settings.json"
    config.write_text(json.dumps({"completion": {"model": "codellama:7b-code"}}))
    status, out, _ = run(
        capsys, "doctor", "--config", str(config), "--host", fake_ollama_shared.url
    )
    assert status == 0, out
    assert f"endpoints: {fake_ollama_shared.url} (command line)" in out
    assert f"completion model: codellama:7b-code (config file {config})" in out
    assert "[ok  ] completion model codellama:7b-code fills in the middle (FIM)" in out
    assert out.rstrip().splitlines()[-1].startswith("verdict: ready")


def test_doctor_shows_where_loaded_models_run_and_warns_when_completion_is_split(
    fake_ollama_shared: FakeOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    model = "codellama:7b-code"
    _, before, _ = run(capsys, "doctor", "--host", fake_ollama_shared.url, "--model", model)
    assert f"completion model {model} is not loaded" in before
    fake_ollama_shared.configure(vram_bytes=1_000_000_000)  # less than the model: a split
    with httpx.Client() as client:
        client.post(
            f"{fake_ollama_shared.url}/api/generate", json={"model": model}
        ).raise_for_status()
        client.post(
            f"{fake_ollama_shared.url}/api/generate", json={"model": "tinyllama"}
        ).raise_for_status()

    status, out, _ = run(capsys, "doctor", "--host", fake_ollama_shared.url, "--model", model)

    split = next(line for line in out.splitlines() if f"loaded: {model}" in line)
    assert split.startswith("[warn]") and "% CPU/GPU" in split and "ollama-lsp recommend" in split
    cpu, gpu = (int(p) for p in split.split(", ")[2].split(" ")[0].rstrip("%").split("%/"))
    assert cpu + gpu == 100 and 0 < gpu < 100
    tiny = next(line for line in out.splitlines() if "loaded: tinyllama" in line)
    assert tiny.startswith("[    ]")  # not the completion model: only information
    assert status == 0  # slow is not broken


def test_doctor_fails_when_the_model_is_not_pulled(
    fake_ollama_shared: FakeOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("doctor", "--host", fake_ollama_shared.url, "--model", "codestral:22b")
    status, out, _ = run(capsys, *args)
    assert status == 1
    assert "[FAIL] completion model codestral:22b is not pulled" in out
    assert "verdict: NOT READY" in out


def test_doctor_names_the_environment_endpoint_that_is_down(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, "doctor")
    assert status == 1
    assert f"endpoints: {UNREACHABLE} (environment (OLLAMA_HOST))" in out
    assert f"[FAIL] {UNREACHABLE}: not reachable" in out


def test_the_user_config_file_is_read_without_config_and_config_wins(
    fake_ollama_shared: FakeOllama,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home"))
    default = tmp_path / "home" / "ollama-lsp" / "config.json"
    default.parent.mkdir(parents=True)
    default.write_text(json.dumps({"completion": {"model": "codellama:7b-code"}}))
    given = tmp_path / "other.json"
    given.write_text(json.dumps({"completion": {"model": "tinyllama"}}))

    _, out, _ = run(capsys, "doctor", "--host", fake_ollama_shared.url)
    assert f"completion model: codellama:7b-code (config file {default})" in out

    _, out, _ = run(capsys, "doctor", "--config", str(given), "--host", fake_ollama_shared.url)
    assert f"completion model: tinyllama (config file {given})" in out


def test_a_bad_config_file_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / "settings.json"
    config.write_text("{not json")
    status, _, err = run(capsys, "models", "--config", str(config))
    assert status == 2
    assert err.startswith(f"ollama-lsp: the config file {config} is not JSON")


def test_recommend_works_without_ollama(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "recommend")
    assert status == 0
    assert out.startswith("completion ")
    assert "Hardware:" in out and "could not be reached" in out


def test_as_a_process_the_exit_status_and_output_are_the_same(fake_ollama: FakeOllama) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ollama_lsp", "rm", "nope:1b", "--host", fake_ollama.url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("ollama-lsp: model 'nope:1b' is not pulled")


def test_bench_prints_a_table_row_per_level_and_stores_the_rows(
    fake_ollama_shared: FakeOllama,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv(STORE_ENV, str(tmp_path / "store.sqlite3"))
    args = ("bench", "--host", fake_ollama_shared.url, "--model", "tinyllama:latest")
    status, out, err = run(capsys, *args)
    assert status == 0
    header, _, *rows = out.strip().splitlines()[-3:]
    assert header.startswith("| level") and rows[0].startswith("| Q4_0")
    assert err.splitlines()[-1].endswith("Benchmark finished")
    store = ModelStore.open(tmp_path / "store.sqlite3")
    try:
        stored = store.benchmarks_for("tinyllama:latest")
    finally:
        store.close()
    assert [row.result.level for row in stored] == ["Q4_0"]


def test_debug_shows_the_traceback_then_the_line(
    fake_ollama_shared: FakeOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, "--debug", "rm", "nope:1b", "--host", fake_ollama_shared.url)
    assert status == 1
    assert err.startswith("Traceback") and "ModelNotFound" in err
    assert err.splitlines()[-1].startswith("ollama-lsp: model 'nope:1b' is not pulled")


def test_stats_prints_the_rates_per_kind_language_and_model(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_file = tmp_path / "store.sqlite3"
    with ModelStore.open(store_file) as store:
        store.add_outcomes(
            [
                OutcomeCounts("completion", "python", "m1", shown=8, accepted=2, dismissed=4),
                OutcomeCounts("completion", "go", "m1", shown=2, partial=1),
            ]
        )
    monkeypatch.setenv(STORE_ENV, str(store_file))
    status, out, _ = run(capsys, "stats")
    assert status == 0
    assert "completion: 10 shown, 20% accepted, 10% partly accepted, 40% dismissed" in out
    rows = [line.split() for line in out.splitlines() if line.startswith("  ")]
    assert rows[1:] == [
        ["python", "m1", "8", "25%", "0%", "50%"],
        ["go", "m1", "2", "0%", "50%", "0%"],
    ]


def test_stats_without_a_store_says_nothing_was_shown_and_creates_none(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, _ = run(capsys, "stats", "--store", str(tmp_path / "none.sqlite3"))
    assert status == 0 and "no suggestion shown yet" in out
    assert not (tmp_path / "none.sqlite3").exists()
