"""Which prompt to send: as much context as the model reads within the latency budget, counting
what its KV cache already holds.

A prompt costs what it adds beyond the cache. Each document keeps the window (its size in
tokens and the line it starts at) of its last prompt, so that the next prompt begins the same
way and the cache still holds it. When that window's uncached part does not fit the budget,
the prompt is cut to what fits with nothing cached (a *cold* prompt). While the user rests,
the pipeline warms a window twice as large ahead of need (:func:`next_to_warm`), up to the
whole context window: what was costly cold is cheap warm.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from ollama_lsp.completion.kv import PromptMemory, laid_out
from ollama_lsp.context import CodeContext
from ollama_lsp.providers import CompletionPrompt

__all__ = ["Plan", "Planner", "Window", "choose", "next_to_warm", "prefill_prompt"]


@dataclass(frozen=True, slots=True)
class Window:
    """A document's context window: its size in model tokens, the line its prefix starts at."""

    tokens: int
    start_line: int | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """A prompt, what it was cut from, and how much of it the model's cache probably holds."""

    context: CodeContext
    prompt: CompletionPrompt
    window: Window
    text: str  # the prompt as the model reads it (see ``kv.laid_out``)
    cached_chars: int
    cursor_line_at: int  # where the cursor's line begins in ``text``

    def uncached_tokens(self, chars_per_token: float) -> int:
        return int((len(self.text) - self.cached_chars) / chars_per_token)

    @property
    def warm(self) -> bool:
        """Whether the cache holds the prompt up to the cursor's line."""
        return self.cached_chars >= self.cursor_line_at


#: Builds the context for a window (``None``: the document is excluded).
Build = Callable[[Window], CodeContext | None]
Render = Callable[[CodeContext], CompletionPrompt]


@dataclass(frozen=True, slots=True)
class Planner:
    """What planning needs from the pipeline for one request."""

    build: Build
    render: Render
    memory: PromptMemory
    key: Hashable
    cursor_line: int  # the cursor's line in the document

    def plan(self, window: Window) -> Plan | None:
        context = self.build(window)
        if context is None:
            return None
        prompt = self.render(context)
        text = laid_out(prompt)
        start_line = self.cursor_line - context.prefix.count("\n")
        return Plan(
            context,
            prompt,
            Window(window.tokens, start_line),
            text,
            self.memory.cached(self.key, text),
            _cursor_line_at(prompt, context),
        )


def choose(
    planner: Planner,
    candidates: Sequence[Window],
    *,
    full: int,
    allowance: int,
    chars_per_token: float,
) -> Plan | None:
    """The first of ``candidates`` (the document's remembered window, the one being warmed)
    whose uncached part fits ``allowance`` tokens, else a cold prompt of ``allowance`` tokens.
    Without candidates the whole context window is tried first (the cache may hold it)."""
    for window in candidates or (Window(full),):
        plan = planner.plan(window)
        if plan is None or plan.uncached_tokens(chars_per_token) <= allowance:
            return plan
    return planner.plan(Window(min(allowance, full)))


def next_to_warm(
    planner: Planner,
    remembered: Window | None,
    warming: Window | None = None,
    *,
    full: int,
    allowance: int,
) -> Plan | None:
    """The window to evaluate ahead of the next request: one being warmed goes on (warming
    it evicted the smaller one), else the remembered one when the cache lost it, else one
    twice as large; ``None`` once the whole context window is warm."""
    if warming is not None:
        plan = planner.plan(warming)
        if plan is None or not plan.warm:
            return plan
        remembered = (
            plan.window
            if remembered is None
            else max(remembered, plan.window, key=lambda w: w.tokens)
        )
    window = remembered or Window(min(allowance, full))
    while True:
        plan = planner.plan(window)
        if plan is None or not plan.warm:
            return plan
        if window.tokens >= full:
            return None
        window = Window(min(full, window.tokens * 2))


def prefill_prompt(plan: Plan, chars: int) -> CompletionPrompt:
    """The first ``chars`` characters of ``plan``'s prompt, to evaluate ahead of need.

    A templated prompt keeps a (one-newline) suffix so that the template lays it out as the
    whole prompt will be: the model's cache then holds the same beginning.
    """
    prompt = plan.prompt
    cut = prompt.prompt[: min(chars, len(prompt.prompt))]
    return CompletionPrompt(cut, None if prompt.suffix is None else "\n", prompt.raw, prompt.stop)


def _cursor_line_at(prompt: CompletionPrompt, context: CodeContext) -> int:
    """Where the cursor's line starts in the laid-out prompt: what is before it does not
    change as the user types on that line."""
    prefix, text = context.prefix, prompt.prompt
    # A templated or prefix-only prompt ends with the prefix; in a FIM prompt we laid out,
    # the suffix follows it.
    at = len(text) - len(prefix) if text.endswith(prefix) else max(text.rfind(prefix), 0)
    return at + prefix.rfind("\n") + 1
