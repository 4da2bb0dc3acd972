"""The demo: it runs to the end with the real model, and picks its backend as documented."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from demo.backend import _pick_model, running_ollama
from tests.editors.nvim_binary import find_nvim
from tests.fake_ollama import FakeOllama

ROOT = Path(__file__).resolve().parents[2]


def test_the_emulator_is_not_taken_for_a_running_ollama(fake_ollama: FakeOllama) -> None:
    assert running_ollama(fake_ollama.url, None) is None
    assert running_ollama("http://127.0.0.1:9", None) is None


def test_with_ollama_the_first_model_that_fills_in_the_middle_is_used(
    fake_ollama: FakeOllama,
) -> None:
    fake_ollama.set_pulled(["nomic-embed-text:latest", "tinyllama:latest", "starcoder2:3b"])
    with httpx.Client() as client:
        assert _pick_model(client, fake_ollama.url) == "starcoder2:3b"


@pytest.mark.real_model
@pytest.mark.editor
@pytest.mark.skipif(find_nvim()[0] is None, reason=find_nvim()[1])
def test_the_demo_prints_a_real_suggestion_and_exits_0() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "demo", "--emulator", "--timeout", "90"],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Model:   gemma3:270m" in done.stdout
    suggestion = next(line for line in done.stdout.splitlines() if "Inline suggestion" in line)
    assert not suggestion.endswith("''"), suggestion
    assert "Ollama's counters: prompt " in done.stdout
    assert "answered the new position from its cache, with no new generation" in done.stdout
    assert "ollama: gemma3:270m [loading]" in done.stdout
    assert done.stdout.rstrip().splitlines()[-1].startswith("OK: demo finished")
    assert done.stderr == "", done.stderr  # no stray warnings


@pytest.mark.real_model
@pytest.mark.editor
@pytest.mark.skipif(find_nvim()[0] is None, reason=find_nvim()[1])
def test_when_the_real_model_crashes_the_demo_says_so_and_falls_back() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "demo", "--emulator", "--simulate-crash", "--timeout", "90"],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == (
        "The real model's engine failed: "
        "llama runner process has terminated: signal: segmentation fault."
    )
    assert "Falling back to the scripted engine." in done.stdout
    assert "Model:   qwen2.5-coder:1.5b-base" in done.stdout
    assert "Inline suggestion after" in done.stdout and "'main()'" in done.stdout
    assert lines[-1].startswith("OK: demo finished")


@pytest.mark.real_model
@pytest.mark.editor
@pytest.mark.skipif(find_nvim()[0] is None, reason=find_nvim()[1])
def test_the_demo_runs_on_an_openai_compatible_engine() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "demo", "--engine", "openai", "--timeout", "90"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Backend: llama-cpp-python's OpenAI-compatible server at http://" in done.stdout
    suggestion = next(line for line in done.stdout.splitlines() if "Inline suggestion" in line)
    assert not suggestion.endswith("''"), suggestion
    assert "answered the new position from its cache, with no new generation" in done.stdout
    assert done.stdout.rstrip().splitlines()[-1].startswith("OK: demo finished")
