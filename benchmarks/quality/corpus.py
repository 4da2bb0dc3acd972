"""The quality corpus: documents with a cursor, what a model wrote there, what to show.

One TOML file per language under ``corpus/``, naming the language and a default path. Each
``[[case]]`` has a ``name``, a ``class`` (see :data:`CLASSES`), the ``document`` with
:data:`CURSOR` where the cursor is, the model's raw ``output`` and the ``expected`` suggestion
(``''``: nothing should be shown). A case may set its own ``language`` and ``path``, ``model``
(the model the output is typical of; its family's stop tokens then apply, as Ollama applies
them), ``truncated`` (the model ran out of tokens there: the emulator ends the generation as one
cut by ``num_predict``) and ``note``. Literal strings (``'''...'''``) keep code as it is: no
escapes, tabs allowed.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CLASSES", "CORPUS", "CURSOR", "Case", "load_corpus"]

CURSOR = "<CURSOR>"
CORPUS = Path(__file__).parent / "corpus"
DEFAULT_MODEL = "qwen2.5-coder:1.5b-base"

#: The classes of the issue, then the model's everyday junk and plain completions.
CLASSES = {
    "block": "a block after an opener on a non-empty line",
    "next-line": "a completion that starts on the next line",
    "block-end": "stop at the end of the current block",
    "repeats": "text the document already has",
    "join": "the join with the text around the cursor",
    "think": "a reasoning model's think block",
    "junk": "FIM tokens, fences, chat talk",
    "plain": "an ordinary completion (a guard against regressions)",
}


@dataclass(frozen=True, slots=True)
class Case:
    """One corpus case; ``prefix`` and ``suffix`` are the document around the cursor."""

    name: str
    language: str
    klass: str
    path: str
    prefix: str
    suffix: str
    output: str
    expected: str
    model: str = DEFAULT_MODEL
    truncated: bool = False
    note: str = ""

    @property
    def text(self) -> str:
        return self.prefix + self.suffix

    @property
    def position(self) -> tuple[int, int]:
        """The cursor as an LSP position (line, UTF-16 character)."""
        line_start = self.prefix.rfind("\n") + 1
        column = len(self.prefix[line_start:].encode("utf-16-le")) // 2
        return self.prefix.count("\n"), column


def load_corpus(files: Iterable[Path] | None = None) -> list[Case]:
    """Every case of the corpus files (all of ``corpus/`` by default), checked for sense."""
    cases: list[Case] = []
    for file in sorted(files if files is not None else CORPUS.glob("*.toml")):
        data = tomllib.loads(file.read_text(encoding="utf-8"))
        for raw in data["case"]:
            where = f"{file.name}: {raw.get('name')!r}"
            language, path = (
                raw.get("language", data.get("language")),
                raw.get("path", data.get("path")),
            )
            if not language or not path:
                raise ValueError(f"{where}: no language or path (per file or per case)")
            if raw["class"] not in CLASSES:
                raise ValueError(f"{where}: unknown class {raw['class']!r}")
            if raw["document"].count(CURSOR) != 1:
                raise ValueError(f"{where}: the document needs exactly one {CURSOR}")
            prefix, suffix = raw["document"].split(CURSOR)
            cases.append(
                Case(
                    name=raw["name"],
                    language=language,
                    klass=raw["class"],
                    path=path,
                    prefix=prefix,
                    suffix=suffix,
                    output=raw["output"],
                    expected=raw["expected"],
                    model=raw.get("model", DEFAULT_MODEL),
                    truncated=raw.get("truncated", False),
                    note=raw.get("note", ""),
                )
            )
    names = [(c.language, c.name) for c in cases]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"duplicate case names: {sorted(duplicates)}")
    return cases
