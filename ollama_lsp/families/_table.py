"""The model families we know: one declarative entry each.

To add a family, append a :class:`Family` to ``FAMILIES`` (see docs/families.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["FAMILIES", "Family", "family_for", "special_tokens"]

# DeepSeek's special tokens are spelled with U+FF5C (fullwidth bar) and U+2581 (lower block).
_DS_BEGIN = "<\uff5cfim\u2581begin\uff5c>"
_DS_HOLE = "<\uff5cfim\u2581hole\uff5c>"
_DS_END = "<\uff5cfim\u2581end\uff5c>"
_DS_EOS = "<\uff5cend\u2581of\u2581sentence\uff5c>"


@dataclass(frozen=True, slots=True)
class Family:
    """How to prompt one family of models for code completion.

    ``patterns`` are regular expressions searched in the lower-cased model name (``name:tag``,
    namespace and host included). ``fim_template`` renders a fill-in-the-middle prompt from
    ``{context}`` (other files), ``{path}``, ``{prefix}`` and ``{suffix}``; None means the family
    has no FIM. ``fim_sizes`` is a regular expression searched in the model name that says which
    sizes or variants were trained for FIM (None: all of them). ``file_template`` renders one
    other file in the family's own repository format (``{path}``, ``{text}``); None puts other
    files into ``{context}`` as comments. ``stop`` are stop sequences; ``context_length`` the
    family's usual window in tokens, used when the server does not say. ``edit_format`` names
    the next-edit layout the family was trained on (``EDIT_FORMATS`` in ``_edit_prompt``);
    None: the generic instruction layout when the model chats.
    """

    name: str
    patterns: tuple[str, ...]
    fim_template: str | None
    stop: tuple[str, ...]
    context_length: int
    fim_sizes: str | None = None
    file_template: str | None = None
    edit_format: str | None = None
    _compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_compiled", re.compile("|".join(self.patterns)))

    def matches(self, model: str) -> bool:
        return self._compiled.search(model.lower()) is not None

    def fim_for(self, model: str) -> bool:
        """Whether the table says ``model`` (of this family) was trained for FIM."""
        if self.fim_template is None:
            return False
        return self.fim_sizes is None or re.search(self.fim_sizes, model.lower()) is not None


# Qwen2.5's special tokens: Zeta and Instinct are Qwen2.5-Coder-7B fine-tunes.
_QWEN_STOP = ("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|file_sep|>")

FAMILIES: tuple[Family, ...] = (
    Family(
        name="zeta",
        patterns=(r"(?<![a-z])zeta(?![a-z])",),  # zeta, zed-industries/zeta, ...zeta-gguf
        fim_template=None,
        stop=_QWEN_STOP,
        context_length=32768,
        edit_format="zeta",
    ),
    Family(
        name="instinct",
        patterns=(r"(?<![a-z])instinct(?![a-z])",),  # nate/instinct, continuedev/instinct
        fim_template=None,
        stop=_QWEN_STOP,
        context_length=32768,
        edit_format="instinct",
    ),
    Family(
        name="codellama",
        patterns=(r"codellama", r"code-llama"),
        # Ollama's own codellama template, to the space (ollama-api.md 6.1).
        fim_template="<PRE> {context}{prefix} <SUF>{suffix} <MID>",
        stop=("<EOT>", "<PRE>", "<SUF>", "<MID>"),
        context_length=16384,
        # Only the 7b and 13b code models were trained for infilling; instruct/python chat.
        fim_sizes=r":(?:(?:7b|13b)-)?code(?:-|$)",
    ),
    Family(
        name="tinyllama",
        patterns=(r"tinyllama",),
        fim_template=None,
        stop=("</s>", "<|user|>", "<|assistant|>", "<|system|>"),
        context_length=2048,
    ),
    Family(
        name="qwen2.5-coder",
        patterns=(r"qwen-?2\.5-?coder", r"qwen-?3-?coder"),
        # Repository-level FIM as in the Qwen2.5-Coder report: other files, then this one.
        fim_template=(
            "{context}<|file_sep|>{path}\n<|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>"
        ),
        file_template="<|file_sep|>{path}\n{text}\n",
        stop=(
            "<|endoftext|>",
            "<|fim_prefix|>",
            "<|fim_suffix|>",
            "<|fim_middle|>",
            "<|fim_pad|>",
            "<|repo_name|>",
            "<|file_sep|>",
            "<|im_start|>",
            "<|im_end|>",
        ),
        context_length=32768,
    ),
    Family(
        name="deepseek-coder",
        patterns=(r"deepseek-?coder",),
        fim_template=_DS_BEGIN + "{context}{prefix}" + _DS_HOLE + "{suffix}" + _DS_END,
        stop=(_DS_BEGIN, _DS_HOLE, _DS_END, _DS_EOS, "<|EOT|>"),
        context_length=16384,
        fim_sizes=r"base",  # the instruct models were not trained for FIM
    ),
    Family(
        name="starcoder2",
        patterns=(r"starcoder2",),
        # Repository-level FIM as in the StarCoder2 paper (section 5).
        fim_template="{context}<file_sep><fim_prefix>{path}\n{prefix}<fim_suffix>{suffix}<fim_middle>",
        file_template="<file_sep>{path}\n{text}\n",
        stop=(
            "<fim_prefix>",
            "<fim_suffix>",
            "<fim_middle>",
            "<fim_pad>",
            "<file_sep>",
            "<repo_name>",
            "<|endoftext|>",
        ),
        context_length=16384,
        fim_sizes=r"^(?!.*instruct)",
    ),
    Family(
        name="codegemma",
        patterns=(r"codegemma",),
        fim_template="<|fim_prefix|>{context}{prefix}<|fim_suffix|>{suffix}<|fim_middle|>",
        stop=(
            "<|fim_prefix|>",
            "<|fim_suffix|>",
            "<|fim_middle|>",
            "<|file_separator|>",
            "<end_of_turn>",
            "<eos>",
        ),
        context_length=8192,
        fim_sizes=r":(?:2b|(?:7b-)?code)(?:-|$)",  # 2b and 7b-code; 7b (instruct) chats
    ),
)


def family_for(model: str) -> Family | None:
    """The family of ``model`` (an Ollama model name), None when we do not know it."""
    return next((family for family in FAMILIES if family.matches(model)), None)


_MARKER = re.compile(r"<[^<>\s{}]+>")


def special_tokens() -> frozenset[str]:
    """Every FIM marker and special stop token of the known families.

    ``</s>`` is left out: it is also an HTML closing tag.
    """
    tokens: set[str] = set()
    for family in FAMILIES:
        tokens.update(family.stop)
        for template in (family.fim_template, family.file_template):
            tokens.update(_MARKER.findall(template or ""))
    tokens.discard("</s>")
    return frozenset(tokens)
