"""Comment syntax per LSP language id, to put paths and snippets into a prompt as code."""

from __future__ import annotations

__all__ = ["comment_out"]


def _words(names: str) -> list[str]:
    return names.split()


_LINE: dict[str, str] = {
    **dict.fromkeys(
        _words(
            "python ruby shellscript sh bash zsh fish perl r yaml toml dockerfile makefile "
            "powershell cmake elixir julia nim crystal coffeescript graphql terraform nix "
            "ini properties conf"
        ),
        "#",
    ),
    **dict.fromkeys(
        _words(
            "javascript javascriptreact typescript typescriptreact java c cpp objective-c "
            "objective-cpp csharp go rust swift kotlin scala php dart groovy zig proto jsonc "
            "fsharp solidity vue svelte glsl hlsl verilog"
        ),
        "//",
    ),
    **dict.fromkeys(_words("lua sql haskell elm ada vhdl purescript"), "--"),
    **dict.fromkeys(_words("lisp clojure scheme racket commonlisp elisp"), ";;"),
    **dict.fromkeys(_words("erlang latex tex matlab prolog"), "%"),
    "vim": '"',
    "fortran": "!",
    "bat": "REM",
}

_BLOCK: dict[str, tuple[str, str]] = {
    **dict.fromkeys(_words("html xml markdown svg xsl"), ("<!--", "-->")),
    **dict.fromkeys(_words("css scss less"), ("/*", "*/")),
    "ocaml": ("(*", "*)"),
}


def comment_out(text: str, language_id: str) -> str:
    """``text`` as comment lines of ``language_id`` (``#`` when the language is unknown).

    Block-comment languages get one block; a closing marker inside the text is broken up so the
    block cannot end early.
    """
    language = language_id.lower()
    block = _BLOCK.get(language)
    if block is not None and language not in _LINE:
        opening, closing = block
        safe = text.replace(closing, closing[0] + " " + closing[1:])
        return f"{opening} {safe} {closing}"
    marker = _LINE.get(language, "#")
    return "\n".join(f"{marker} {line}" if line else marker for line in text.split("\n"))
