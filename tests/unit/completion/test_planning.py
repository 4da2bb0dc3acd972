"""Which prompt to send: the remembered window while the cache holds it, else a cold one that
fits the budget; which one to warm next."""

from __future__ import annotations

from ollama_lsp.completion.kv import PromptMemory, common_prefix, laid_out
from ollama_lsp.completion.planning import (
    Planner,
    Window,
    choose,
    next_to_warm,
    prefill_prompt,
)
from ollama_lsp.context import CodeContext, ContextBuilder, Document
from ollama_lsp.families import build_prompt
from ollama_lsp.providers import CompletionPrompt

MODEL = "qwen2.5-coder:1.5b-base"
LINES = [f"    value_{k} = compute({k})" for k in range(400)]
TEXT = "def run():\n" + "\n".join(LINES) + "\n"
CURSOR_LINE = 300
OFFSET = TEXT.index(LINES[CURSOR_LINE - 1]) + len(LINES[CURSOR_LINE - 1])
KEY = "model"


def planner(memory: PromptMemory, text: str = TEXT, offset: int = OFFSET) -> Planner:
    builder = ContextBuilder()
    document = Document("file:///w/run.py", text, "python", 1)

    def build(window: Window) -> CodeContext | None:
        return builder.build(
            document,
            offset,
            max_tokens=window.tokens,
            suffix_tokens=60,  # what follows the cursor is evaluated at every request
            start_line=window.start_line,
        )

    return Planner(
        build,
        lambda context: build_prompt(MODEL, context, True),
        memory,
        KEY,
        text.count("\n", 0, offset),
    )


def test_common_prefix() -> None:
    assert common_prefix("abcdef", "abcxyz") == 3
    assert common_prefix("", "abc") == 0
    assert common_prefix("same", "same") == 4


def test_nothing_cached_gives_a_cold_prompt_of_the_allowance() -> None:
    plan = choose(planner(PromptMemory()), [], full=3000, allowance=200, chars_per_token=3.5)
    assert plan is not None and plan.window.tokens == 200
    assert len(plan.text) < 200 * 3.5


def test_a_cached_window_is_kept_and_costs_only_what_follows_the_cache() -> None:
    memory = PromptMemory()
    warm = planner(memory).plan(Window(3000))
    assert warm is not None and len(warm.text) > 5000
    memory.remember(KEY, warm.text[: warm.cursor_line_at])

    plan = choose(planner(memory), [warm.window], full=3000, allowance=200, chars_per_token=3.5)
    assert plan is not None and plan.text == warm.text
    assert plan.warm and plan.uncached_tokens(3.5) <= 200


def test_a_window_the_cache_lost_gives_way_to_a_cold_prompt() -> None:
    memory = PromptMemory()
    big = planner(memory).plan(Window(3000))
    assert big is not None
    memory.remember(KEY, "something else entirely")
    plan = choose(planner(memory), [big.window], full=3000, allowance=200, chars_per_token=3.5)
    assert plan is not None and plan.window.tokens == 200


def test_typing_on_the_cursor_line_keeps_the_window_start() -> None:
    memory = PromptMemory()
    first = planner(memory).plan(Window(3000))
    assert first is not None
    typed = TEXT[:OFFSET] + " + 1" + TEXT[OFFSET:]
    later = planner(memory, typed, OFFSET + 4).plan(first.window)
    assert later is not None
    assert common_prefix(first.text, later.text) >= first.cursor_line_at


def test_warming_re_warms_a_lost_window_then_doubles_it_up_to_the_whole_one() -> None:
    memory = PromptMemory()
    first = next_to_warm(planner(memory), None, full=3000, allowance=200)
    assert first is not None and first.window.tokens == 200 and not first.warm
    memory.remember(KEY, first.text)
    second = next_to_warm(planner(memory), first.window, full=3000, allowance=200)
    assert second is not None and second.window.tokens == 400
    memory.remember(KEY, second.text)
    whole = planner(memory).plan(Window(3000))
    assert whole is not None
    memory.remember(KEY, whole.text)
    assert next_to_warm(planner(memory), whole.window, full=3000, allowance=200) is None


def test_a_window_being_warmed_goes_on_before_the_remembered_one() -> None:
    memory = PromptMemory()
    small = planner(memory).plan(Window(200))
    growing = planner(memory).plan(Window(400))
    assert small is not None and growing is not None
    memory.remember(KEY, growing.text[:50])  # its beginning evicted the smaller window
    plan = next_to_warm(planner(memory), small.window, growing.window, full=3000, allowance=200)
    assert plan is not None and plan.window.tokens == 400


def test_a_prefill_is_the_prompt_cut_short_laid_out_as_the_whole_one() -> None:
    memory = PromptMemory()
    plan = planner(memory).plan(Window(3000))
    assert plan is not None
    piece = prefill_prompt(plan, 1000)
    assert piece.prompt == plan.prompt.prompt[:1000] and piece.raw == plan.prompt.raw
    assert plan.text.startswith(laid_out(piece)[:1000])
    templated = CompletionPrompt("# a.py\nx = 1\ny = ", "\nz = 3\n")
    assert prefill_prompt(
        plan.__class__(plan.context, templated, plan.window, laid_out(templated), 0, 7), 7
    ) == CompletionPrompt("# a.py\n", "\n")
