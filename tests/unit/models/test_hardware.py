"""Hardware detection through injected probes, and nvidia-smi's output."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from ollama_lsp.models import GpuInfo, Hardware, detect_hardware, parse_nvidia_smi, run_nvidia_smi

GIB = 1024**3
MIB = 1024**2


def test_parse_one_and_several_gpus() -> None:
    assert parse_nvidia_smi("NVIDIA GeForce RTX 4060, 8188, 7612\n") == (
        GpuInfo("NVIDIA GeForce RTX 4060", 8188 * MIB, 7612 * MIB),
    )
    two = parse_nvidia_smi("A100-SXM4-80GB, 81920, 80000\r\nTesla T4, 15360, 15000\n")
    assert [gpu.name for gpu in two] == ["A100-SXM4-80GB", "Tesla T4"]
    assert sum(gpu.total_bytes for gpu in two) == (81920 + 15360) * MIB


@pytest.mark.parametrize(
    "output",
    [
        "",
        "garbage",
        "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
        "GPU, [N/A], [N/A]",
        "GPU, [Not Supported], 100",
        "GPU, 0, 0",
        "GPU, 100, -5",
    ],
)
def test_unparseable_lines_are_skipped(output: str) -> None:
    assert parse_nvidia_smi(output) == ()


def test_a_comma_in_the_name_and_free_above_total() -> None:
    (gpu,) = parse_nvidia_smi("Quadro, RTX 8000, 49152, 60000")
    assert gpu.name == "Quadro, RTX 8000" and gpu.free_bytes == gpu.total_bytes


def test_detect_linux_with_a_gpu() -> None:
    hw = detect_hardware(
        ram=lambda: (16 * GIB, 11 * GIB),
        nvidia=lambda: "RTX 4060, 8192, 7168",
        system=lambda: ("Linux", "x86_64"),
    )
    assert (hw.total_ram, hw.available_ram, hw.vram_total, hw.vram_free) == (
        16 * GIB, 11 * GIB, 8 * GIB, 7 * GIB,
    )  # fmt: skip
    assert not hw.unified_memory and "RTX 4060" in hw.describe()


def test_detect_without_nvidia_smi() -> None:
    hw = detect_hardware(
        ram=lambda: (8 * GIB, 5 * GIB), nvidia=lambda: None, system=lambda: ("Linux", "x86_64")
    )
    assert hw.gpus == () and "no GPU" in hw.describe()


def test_apple_silicon_is_unified_and_does_not_run_nvidia_smi() -> None:
    def no_nvidia() -> str:
        raise AssertionError("nvidia-smi must not run on a Mac")

    hw = detect_hardware(
        ram=lambda: (16 * GIB, 10 * GIB), nvidia=no_nvidia, system=lambda: ("Darwin", "arm64")
    )
    assert hw.unified_memory and hw.gpus == ()
    assert hw.unified_gpu_limit == int(16 * GIB * 2 / 3)
    assert Hardware(64 * GIB, 40 * GIB, unified_memory=True).unified_gpu_limit == 48 * GIB


def test_intel_mac_is_not_unified() -> None:
    hw = detect_hardware(
        ram=lambda: (16 * GIB, 8 * GIB), nvidia=lambda: None, system=lambda: ("Darwin", "x86_64")
    )
    assert not hw.unified_memory


def test_real_probes_read_this_machine() -> None:
    hw = detect_hardware(nvidia=lambda: None)
    assert 0 < hw.available_ram <= hw.total_ram


def _fake_nvidia_smi(directory: Path, body: str) -> None:
    script = directory / "nvidia-smi"
    script.write_text(f"#!{sys.executable}\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


@pytest.mark.skipif(os.name != "posix", reason="fake executables are POSIX scripts")
class TestRunNvidiaSmi:
    def test_absent(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        monkeypatch.setenv("PATH", str(tmp_path))
        assert run_nvidia_smi() is None

    def test_answers(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        _fake_nvidia_smi(
            tmp_path,
            "import sys\nassert '--format=csv,noheader,nounits' in sys.argv\n"
            "print('RTX 3090, 24576, 24000')",
        )
        monkeypatch.setenv("PATH", str(tmp_path))
        output = run_nvidia_smi()
        assert output is not None and parse_nvidia_smi(output)[0].name == "RTX 3090"

    def test_fails(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        _fake_nvidia_smi(tmp_path, "import sys\nprint('driver gone', file=sys.stderr)\nsys.exit(9)")
        monkeypatch.setenv("PATH", str(tmp_path))
        assert run_nvidia_smi() is None

    def test_hangs(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        _fake_nvidia_smi(tmp_path, "import time\ntime.sleep(30)")
        monkeypatch.setenv("PATH", str(tmp_path))
        assert run_nvidia_smi(timeout=0.3) is None
