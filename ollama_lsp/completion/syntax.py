"""What post-processing needs to know about a language: how its blocks open, close and go on.

Five families, as programmers write them: brace languages (C, Go, JavaScript ...), indentation
languages (Python, Haskell, F#; and Ruby, Lua, shell whose blocks also end with a keyword),
markup (HTML, XML, Markdown), data (JSON, YAML, TOML, CSV) and SQL. Each language is one of
them with a few tweaks: its block openers at the end (or start) of a line, the lines that
close a block, the lines that go on at the block's level (``else``), its line comment and
its string quotes. Regexes run on a line with its indentation stripped.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

__all__ = ["Family", "Syntax", "syntax_for"]


class Family(enum.Enum):
    BRACE = "brace"
    INDENTATION = "indentation"
    MARKUP = "markup"
    DATA = "data"
    SQL = "sql"


def _rx(*alternatives: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives), flags)


_NEVER = re.compile(r"(?!)")
_BRACKET_OPEN = r"[{(\[]\s*$"
_BRACKET_CLOSE = r"[)\]}]"


@dataclass(frozen=True, slots=True)
class Syntax:
    """Block rules of one language (hashable: post-processing caches per syntax)."""

    family: Family
    #: The end of a line that opens a block (searched in the line's code, comment removed).
    opener: re.Pattern[str]
    #: A line whose start opens a block (``def``, ``if`` in Ruby, Lua ...) unless it ends one.
    opener_start: re.Pattern[str] = _NEVER
    #: A header that must end with its opener on its own line (Python's ``def ...:``).
    header: re.Pattern[str] = _NEVER
    #: A line that closes a block (``}``, ``end``, ``</div>``), matched at its start.
    closer: re.Pattern[str] = re.compile(_BRACKET_CLOSE)
    #: A line that goes on at its block's own level (``else``, ``} catch (e) {``).
    continuation: re.Pattern[str] = _NEVER
    #: A line at a block's level that is still its body (YAML's ``- item`` under ``key:``).
    same_level_body: re.Pattern[str] = _NEVER
    #: A header that starts a new section at the top level (TOML, INI).
    section: re.Pattern[str] = _NEVER
    comment: str | None = None
    block_comment: bool = False  # /* ... */
    quotes: str = "\"'`"
    #: The character that ends a statement at its level (SQL's ``;``).
    statement_end: str | None = None
    #: Every line is a record: one line at a time, never a block (CSV).
    one_line: bool = False
    #: Code fences belong to the document (Markdown) rather than to a chatty model.
    keeps_fences: bool = False
    #: Braces often go on the line under their header (C, C#, PHP).
    allman: bool = False
    #: A line never rightly comes twice in one block (keys of data, CSS declarations).
    unique_lines: bool = False


_BRACE = Syntax(
    family=Family.BRACE,
    opener=_rx(_BRACKET_OPEN, r"=>\s*$", r"->\s*$", r"^(?:case\b.*|default\s*):\s*$"),
    continuation=_rx(
        r"(?:[)\]}]\s*)?(?:else|catch|finally|except)\b",
        r"[)\]}].*[{(\[]\s*$",  # } else {   }).then(() => {
        r"\{\s*$",  # an Allman brace under its header
    ),
    comment="//",
    block_comment=True,
)
_INDENT = Syntax(
    family=Family.INDENTATION,
    opener=_rx(_BRACKET_OPEN, r":\s*$", r"\\\s*$"),
    continuation=_rx(r"(?:else|elif|except|finally)\b"),
    comment="#",
    quotes="\"'",
)
_PYTHON_HEADER = re.compile(
    r"(?:async\s+)?(?:def|class|if|elif|else|for|while|with|try|except|finally)\b"
)
_KEYWORD_END = r"end\b"
_RUBY = replace(
    _INDENT,
    opener=_rx(_BRACKET_OPEN, r"\bdo(?:\s*\|[^|]*\|)?\s*$", r"\|[^|]*\|\s*$"),
    opener_start=re.compile(r"(?:def|class|module|if|unless|while|until|case|begin|for)\b"),
    closer=_rx(_KEYWORD_END, _BRACKET_CLOSE),
    continuation=_rx(r"(?:else|elsif|rescue|ensure|when|in)\b"),
)
_LUA = replace(
    _INDENT,
    opener=_rx(
        _BRACKET_OPEN, r"\b(?:then|do|else|repeat)\s*$", r"\bfunction\b[^()]*\([^()]*\)\s*$"
    ),
    closer=_rx(_KEYWORD_END, r"until\b", _BRACKET_CLOSE),
    continuation=_rx(r"(?:else|elseif)\b"),
    comment="--",
)
_JULIA = replace(
    _INDENT,
    opener=_rx(_BRACKET_OPEN, r"\bdo\b[\w\s,()]*$"),
    opener_start=re.compile(
        r"(?:function|if|for|while|let|begin|struct|mutable struct|module|macro|try|quote)\b"
    ),
    closer=_rx(_KEYWORD_END, _BRACKET_CLOSE),
    continuation=_rx(r"(?:else|elseif|catch|finally)\b"),
)
_ELIXIR = replace(
    _INDENT,
    opener=_rx(_BRACKET_OPEN, r"\bdo\s*$", r"->\s*$"),
    closer=_rx(_KEYWORD_END, _BRACKET_CLOSE),
    continuation=_rx(r"(?:else|rescue|catch|after)\b"),
)
_SHELL = replace(
    _INDENT,
    opener=_rx(_BRACKET_OPEN, r"\b(?:then|do|else|in)\s*$", r"\\\s*$"),
    closer=_rx(r"(?:fi|done|esac)\b", _BRACKET_CLOSE),
    continuation=_rx(r"(?:else|elif)\b", r";;"),
)
_HASKELL = replace(
    _INDENT,
    opener=_rx(_BRACKET_OPEN, r"(?:=|->|\bwhere|\bdo|\bof|\blet|\bin|\bthen|\belse)\s*$"),
    continuation=_rx(r"(?:then|else|in|where)\b", r"\|"),
    comment="--",
    quotes='"',
)
_FSHARP = replace(
    _INDENT,
    opener=_rx(
        _BRACKET_OPEN, r"(?:=|->|\bthen|\belse|\bdo|\bwith|\btry|\bbegin|\bstruct|\bsig)\s*$"
    ),
    continuation=_rx(r"(?:else|elif|with|and|finally)\b", r"\|"),
    comment="//",
    quotes='"',
)
_VOID = "area|base|br|col|embed|hr|img|input|link|meta|source|track|wbr"
_MARKUP = Syntax(
    family=Family.MARKUP,
    opener=_rx(rf"<(?!(?:{_VOID})\b)[A-Za-z][\w:.-]*(?:\s[^<>]*)?(?<!/)>\s*$", _BRACKET_OPEN),
    closer=_rx(r"</", r"-->", _BRACKET_CLOSE),
    quotes='"',
)
_PROSE = replace(_MARKUP, quotes="", keeps_fences=True)
_JSON = Syntax(family=Family.DATA, opener=re.compile(_BRACKET_OPEN), quotes='"', unique_lines=True)
_YAML = Syntax(
    family=Family.DATA,
    opener=_rx(r":\s*$", r":\s*[|>][-+]?\d*\s*$", _BRACKET_OPEN),
    continuation=re.compile(r"-(?:\s|$)"),
    same_level_body=re.compile(r"-(?:\s|$)"),
    comment="#",
    quotes="\"'",
    unique_lines=True,
)
_TOML = Syntax(
    family=Family.DATA,
    opener=_rx(r"^\[\[?[^\]]*\]\]?\s*$", _BRACKET_OPEN),
    section=re.compile(r"\[\[?[^\]]*\]\]?\s*$"),
    comment="#",
    quotes="\"'",
    unique_lines=True,
)
_CSV = Syntax(family=Family.DATA, opener=_NEVER, quotes='"', one_line=True)
_SQL = Syntax(
    family=Family.SQL,
    opener=_rx(
        r"\(\s*$", r"\b(?:BEGIN|THEN|LOOP|AS|CASE|ELSE|DECLARE)\s*$", r"\$\$\s*$", flags=re.I
    ),
    closer=_rx(r"(?i:end)\b", r"\)"),
    continuation=_rx(r"(?i:else|elsif|when|exception)\b"),
    comment="--",
    block_comment=True,
    quotes="'\"",
    statement_end=";",
)

_TABLE: tuple[tuple[tuple[str, ...], Syntax], ...] = (
    (
        (
            "javascript", "javascriptreact", "typescript", "typescriptreact", "go", "java",
            "kotlin", "scala", "dart", "swift", "groovy", "solidity", "zig", "v", "d", "haxe",
            "apex", "jsonnet", "proto", "hcl", "terraform", "nix", "graphql", "glsl", "hlsl",
            "wgsl", "cuda-cpp", "objective-c", "objective-cpp", "powershell", "vue", "svelte",
            "astro",
        ),
        _BRACE,
    ),
    (("c", "cpp"), replace(_BRACE, quotes="\"'", allman=True)),
    (("csharp", "php"), replace(_BRACE, allman=True)),
    (("css", "scss", "less"), replace(_BRACE, comment=None, quotes="\"'", unique_lines=True)),
    (("rust",), replace(_BRACE, quotes='"')),
    (("r", "perl"), replace(_BRACE, comment="#", block_comment=False)),
    (("clojure", "lisp", "scheme", "racket"), replace(_BRACE, comment=";", quotes='"')),
    (("python", "starlark"), replace(_INDENT, header=_PYTHON_HEADER)),
    (("nim", "coffeescript", "gdscript", "makefile"), _INDENT),
    (("ruby", "crystal"), _RUBY),
    (("lua",), _LUA),
    (("julia",), _JULIA),
    (("elixir",), _ELIXIR),
    (("shellscript", "bash", "sh", "zsh", "fish", "dockerfile"), _SHELL),
    (("haskell", "elm", "purescript"), _HASKELL),
    (("fsharp", "ocaml"), _FSHARP),
    (("html", "xml", "xsl", "svg"), _MARKUP),
    (("markdown", "mdx", "plaintext", "restructuredtext", "asciidoc"), _PROSE),
    (("json", "jsonc", "json5", "jsonl"), _JSON),
    (("yaml", "github-actions-workflow", "dockercompose"), _YAML),
    (("toml", "ini", "properties", "editorconfig"), _TOML),
    (("csv", "tsv"), _CSV),
    (("sql", "plsql", "mysql", "pgsql", "postgres", "tsql"), _SQL),
)  # fmt: skip
_BY_LANGUAGE = {name: syntax for names, syntax in _TABLE for name in names}

_BY_EXTENSION = {
    "py": "python", "pyi": "python", "js": "javascript", "mjs": "javascript",
    "cjs": "javascript", "jsx": "javascriptreact", "ts": "typescript", "mts": "typescript",
    "tsx": "typescriptreact", "go": "go", "rs": "rust", "java": "java", "kt": "kotlin",
    "kts": "kotlin", "scala": "scala", "swift": "swift", "c": "c", "h": "c", "cc": "cpp",
    "cpp": "cpp", "cxx": "cpp", "hpp": "cpp", "cs": "csharp", "php": "php", "rb": "ruby",
    "lua": "lua", "jl": "julia", "ex": "elixir", "exs": "elixir", "sh": "shellscript",
    "bash": "shellscript", "zsh": "shellscript", "hs": "haskell", "fs": "fsharp",
    "fsx": "fsharp", "ml": "ocaml", "html": "html", "htm": "html", "xml": "xml",
    "vue": "vue", "svelte": "svelte", "md": "markdown", "json": "json", "yaml": "yaml",
    "yml": "yaml", "toml": "toml", "ini": "ini", "csv": "csv", "tsv": "tsv", "sql": "sql",
    "css": "css", "scss": "scss", "less": "less", "dart": "dart", "r": "r", "pl": "perl",
    "clj": "clojure", "zig": "zig", "nim": "nim", "tf": "terraform", "sol": "solidity",
}  # fmt: skip


def syntax_for(language_id: str, path: str = "") -> Syntax:
    """The syntax of a document: by its LSP language id, else its file extension, else the
    brace family (most code is)."""
    found = _BY_LANGUAGE.get(language_id.lower())
    if found is None:
        suffix = PurePosixPath(path).suffix.lower().lstrip(".")
        found = _BY_LANGUAGE.get(_BY_EXTENSION.get(suffix, ""))
    return found if found is not None else _BRACE
