"""scripts/build_llama.py: the llama.cpp build flags chosen per CPU, and the check's fallback."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_llama.py"
# What a Sapphire Rapids VM advertises (the AMX case), and an older CPU without AVX2.
SAPPHIRE_RAPIDS = frozenset(
    [
        "sse4_2",
        "avx",
        "avx2",
        "fma",
        "f16c",
        "bmi2",
        "avx512f",
        "avx512bw",
        "avx512_vnni",
        "amx_tile",
        "amx_int8",
        "amx_bf16",
    ]
)
SANDY_BRIDGE = frozenset(["sse4_2", "avx"])


@pytest.fixture
def build_llama(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_llama", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.delenv("CMAKE_ARGS", raising=False)
    monkeypatch.delenv("OLLAMA_LSP_LLAMA_NATIVE", raising=False)
    monkeypatch.setattr(module.platform, "machine", lambda: "x86_64")
    return module


def flags(args: str) -> dict[str, str]:
    return dict(a.removeprefix("-D").split("=") for a in args.split())


def test_a_cpu_advertising_amx_gets_avx2_and_never_amx_or_avx512(
    build_llama: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build_llama, "cpu_flags", lambda: SAPPHIRE_RAPIDS)
    chosen = flags(build_llama.cmake_args())
    assert chosen["GGML_NATIVE"] == "OFF"
    assert {chosen[k] for k in ("GGML_AVX", "GGML_AVX2", "GGML_FMA", "GGML_F16C")} == {"ON"}
    assert {chosen[k] for k in ("GGML_AVX512", "GGML_AMX_TILE", "GGML_AMX_INT8")} == {"OFF"}


def test_without_avx2_no_extension_is_turned_on(
    build_llama: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build_llama, "cpu_flags", lambda: SANDY_BRIDGE)
    chosen = flags(build_llama.cmake_args())
    assert chosen.pop("GGML_NATIVE") == "OFF"
    assert set(chosen.values()) == {"OFF"}


def test_the_plain_baseline_and_other_architectures(
    build_llama: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build_llama, "cpu_flags", lambda: SAPPHIRE_RAPIDS)
    assert set(flags(build_llama.cmake_args(plain=True)).values()) == {"OFF"}
    monkeypatch.setattr(build_llama.platform, "machine", lambda: "aarch64")
    assert build_llama.cmake_args() == "-DGGML_NATIVE=OFF"


def test_native_and_explicit_flags_are_the_users_choice(
    build_llama: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OLLAMA_LSP_LLAMA_NATIVE", "1")
    assert build_llama.cmake_args() == "-DGGML_NATIVE=ON"
    assert build_llama.cmake_args(plain=True).startswith("-DGGML_NATIVE=OFF")
    monkeypatch.setenv("CMAKE_ARGS", "-DGGML_BLAS=ON")
    assert build_llama.cmake_args() == "-DGGML_BLAS=ON"


def test_a_build_that_crashes_at_the_check_is_rebuilt_plain(
    build_llama: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(build_llama, "cpu_flags", lambda: SAPPHIRE_RAPIDS)
    verdicts = iter(["it died with signal 11", None])
    built: list[str] = []
    monkeypatch.setattr(build_llama, "runs", lambda: next(verdicts))
    monkeypatch.setattr(build_llama, "build", built.append)

    assert build_llama.check() == 0

    assert built == [build_llama.cmake_args(plain=True)]
    out = capsys.readouterr().out
    assert "does not run on this CPU (it died with signal 11)" in out
    assert "the plain build runs on this CPU" in out


def test_the_check_runs_the_installed_build_in_a_child_process(build_llama: ModuleType) -> None:
    """The real check: here it must pass, or the real-model tests could not."""
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed")
    assert build_llama.runs() is None
