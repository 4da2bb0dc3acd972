"""Prompt templates of the catalog's model families, rendered the way Ollama renders them.

Ollama executes Go templates; the emulator keeps the Go text (served by ``/api/show``) next to
an equivalent Python renderer. GUESS: the library templates of qwen2.5-coder, deepseek-coder,
starcoder2 and codegemma are written from memory of ollama.com; what matters to clients is that
they contain ``.Suffix`` (capability ``insert``) and their FIM token layout.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["FIM_LAYOUTS", "TEMPLATES", "FimLayout", "PromptTemplate", "fim_go_template"]

Message = Mapping[str, Any]


@dataclass(frozen=True)
class FimLayout:
    """How one family spells a fill-in-the-middle prompt."""

    name: str
    before_prefix: str
    before_suffix: str
    before_middle: str

    def render(self, prefix: str, suffix: str) -> str:
        return f"{self.before_prefix}{prefix}{self.before_suffix}{suffix}{self.before_middle}"


FIM_LAYOUTS: dict[str, FimLayout] = {
    # routes_generate_test.go: `<PRE> {prompt} <SUF>{suffix} <MID>` (spaces exactly so).
    "codellama": FimLayout("codellama", "<PRE> ", " <SUF>", " <MID>"),
    # qwen2.5-coder and codegemma share the token spelling.
    "fim_pipe": FimLayout("fim_pipe", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"),
    # DeepSeek's tokens use U+FF5C (fullwidth bar) and U+2581 (lower one-eighth block).
    "deepseek": FimLayout(
        "deepseek",
        "<\uff5cfim\u2581begin\uff5c>",
        "<\uff5cfim\u2581hole\uff5c>",
        "<\uff5cfim\u2581end\uff5c>",
    ),
    "starcoder": FimLayout("starcoder", "<fim_prefix>", "<fim_suffix>", "<fim_middle>"),
}


def _content(message: Message) -> str:
    return str(message.get("content") or "")


def _plain(messages: Sequence[Message]) -> str:
    # Base code models: the template is `{{ .Prompt }}`; chat falls back to the contents.
    return "\n".join(_content(m) for m in messages)


def _llama2(messages: Sequence[Message]) -> str:
    system = "".join(_content(m) for m in messages if m.get("role") == "system")
    out: list[str] = []
    for m in messages:
        if m.get("role") == "user":
            sys_block = f"<<SYS>>{system}<</SYS>>\n\n" if system and not out else ""
            out.append(f"[INST] {sys_block}{_content(m)} [/INST]")
        elif m.get("role") == "assistant":
            out.append(f" {_content(m)}")
    return "".join(out)


def _zephyr(messages: Sequence[Message]) -> str:
    out = [f"<|{m.get('role', 'user')}|>\n{_content(m)}</s>\n" for m in messages]
    return "".join(out) + "<|assistant|>\n"


def _chatml(messages: Sequence[Message]) -> str:
    out = [f"<|im_start|>{m.get('role', 'user')}\n{_content(m)}<|im_end|>\n" for m in messages]
    return "".join(out) + "<|im_start|>assistant\n"


def _deepseek(messages: Sequence[Message]) -> str:
    out: list[str] = []
    for m in messages:
        role = m.get("role")
        if role == "system":
            out.append(f"{_content(m)}\n")
        elif role == "user":
            out.append(f"### Instruction:\n{_content(m)}\n")
        else:
            out.append(f"### Response:\n{_content(m)}\n<|EOT|>\n")
    return "".join(out) + "### Response:\n"


def _gemma(messages: Sequence[Message]) -> str:
    out: list[str] = []
    for m in messages:
        role = "model" if m.get("role") == "assistant" else "user"
        out.append(f"<start_of_turn>{role}\n{_content(m)}<end_of_turn>\n")
    return "".join(out) + "<start_of_turn>model\n"


@dataclass(frozen=True)
class PromptTemplate:
    """A family's Go template text, its FIM layout (if the template uses ``.Suffix``), its chat
    renderer and its default stop parameters."""

    name: str
    go_template: str
    fim: FimLayout | None
    render_chat: Callable[[Sequence[Message]], str]
    stop: tuple[str, ...]

    @property
    def supports_insert(self) -> bool:
        return ".Suffix" in self.go_template

    def render_generate(self, prompt: str, suffix: str, system: str | None) -> str:
        """What the model sees for a non-raw ``/api/generate``."""
        if suffix and prompt and self.fim is not None:
            return self.fim.render(prompt, suffix)
        messages: list[Message] = []
        if system:
            messages.append({"role": "system", "content": system})
        messages.append({"role": "user", "content": prompt})
        return self.render_chat(messages)


def fim_go_template(layout: FimLayout, otherwise: str) -> str:
    """A Go template that renders FIM with ``layout`` when there is a suffix."""
    return (
        f"{{{{- if .Suffix }}}}{layout.before_prefix}{{{{ .Prompt }}}}{layout.before_suffix}"
        f"{{{{ .Suffix }}}}{layout.before_middle}\n{{{{- else }}}}{otherwise}\n{{{{- end }}}}"
    )


_GO_CHATML = (
    "{{- if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}"
    "<|im_start|>user\n{{ .Prompt }}<|im_end|>\n<|im_start|>assistant\n"
)

TEMPLATES: dict[str, PromptTemplate] = {
    "codellama-code": PromptTemplate(
        "codellama-code",
        fim_go_template(FIM_LAYOUTS["codellama"], "{{ .Prompt }}"),
        FIM_LAYOUTS["codellama"],
        _plain,
        ("<EOT>",),
    ),
    "codellama-plain": PromptTemplate(
        # 34b code: no FIM in the template (docs/template.mdx).
        "codellama-plain",
        "{{ .Prompt }}",
        None,
        _plain,
        (),
    ),
    "codellama-instruct": PromptTemplate(
        "codellama-instruct",
        "[INST] <<SYS>>{{ .System }}<</SYS>>\n\n{{ .Prompt }} [/INST]\n",
        None,
        _llama2,
        ("[INST]", "[/INST]", "<<SYS>>", "<</SYS>>"),
    ),
    "zephyr": PromptTemplate(
        "zephyr",
        "<|system|>\n{{ .System }}</s>\n<|user|>\n{{ .Prompt }}</s>\n<|assistant|>\n",
        None,
        _zephyr,
        ("<|system|>", "<|user|>", "<|assistant|>", "</s>"),
    ),
    "qwen-coder": PromptTemplate(
        "qwen-coder",
        fim_go_template(FIM_LAYOUTS["fim_pipe"], _GO_CHATML),
        FIM_LAYOUTS["fim_pipe"],
        _chatml,
        ("<|im_start|>", "<|im_end|>", "<|endoftext|>"),
    ),
    "deepseek-coder": PromptTemplate(
        "deepseek-coder",
        fim_go_template(
            FIM_LAYOUTS["deepseek"],
            "{{ .System }}\n### Instruction:\n{{ .Prompt }}\n### Response:\n",
        ),
        FIM_LAYOUTS["deepseek"],
        _deepseek,
        ("### Instruction:", "### Response:", "<|EOT|>"),
    ),
    "starcoder2": PromptTemplate(
        "starcoder2",
        fim_go_template(FIM_LAYOUTS["starcoder"], "{{ .Prompt }}"),
        FIM_LAYOUTS["starcoder"],
        _plain,
        ("<file_sep>", "<|endoftext|>"),
    ),
    "codegemma": PromptTemplate(
        "codegemma",
        fim_go_template(
            FIM_LAYOUTS["fim_pipe"],
            "<start_of_turn>user\n{{ .Prompt }}<end_of_turn>\n<start_of_turn>model\n",
        ),
        FIM_LAYOUTS["fim_pipe"],
        _gemma,
        ("<|file_separator|>", "<end_of_turn>", "<|fim_prefix|>", "<|fim_suffix|>"),
    ),
    "embedding": PromptTemplate("embedding", "{{ .Prompt }}", None, _plain, ()),
    "gemma3": PromptTemplate(
        "gemma3",
        "{{- range .Messages }}<start_of_turn>{{ .Role }}\n{{ .Content }}<end_of_turn>\n"
        "{{ end }}<start_of_turn>model\n",
        None,
        _gemma,
        ("<end_of_turn>",),
    ),
}
