"""How fast a model reads a prompt and writes tokens, learned from Ollama's own counters, and
the prompt that fits a latency budget at those speeds.

On a laptop CPU a small model evaluates a few hundred prompt tokens a second and writes a few
dozen: a 4,000-token prompt with nothing cached costs most of a minute, the same prompt with
its beginning in the model's KV cache a few dozen milliseconds. So a prompt is sized by what
it costs *beyond the cache*: that part must be evaluated within the latency budget, after
room for writing the suggestion. The speeds are kept per (endpoint, model); the server keeps
them in its store between sessions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

__all__ = ["DEFAULT_SPEEDS", "SpeedBook", "Speeds", "uncached_allowance"]

#: Below these counts a duration says more about the request's overhead than the speed.
_MIN_PROMPT_SAMPLE = 32
_MIN_EVAL_SAMPLE = 4
_MIN_CHARS_SAMPLE = 128
#: Weight of a new measurement (an exponential moving average: the machine's load drifts).
_WEIGHT = 0.3
#: Room for what is neither prompt nor generation: the HTTP round trip, sampling set-up.
OVERHEAD_MS = 50
#: The prompt never gets less than this share of the budget, nor fewer tokens than this.
_MIN_PROMPT_SHARE = 0.25
MIN_PROMPT_TOKENS = 128


@dataclass(frozen=True, slots=True)
class Speeds:
    """Prompt tokens evaluated and tokens generated per second, and characters per token of
    this model's prompts, each with the number of generations it was learned from."""

    prompt_tps: float
    eval_tps: float
    chars_per_token: float
    prompt_samples: int = 0
    eval_samples: int = 0
    chars_samples: int = 0


#: Until a model has answered once: a small model on a laptop CPU, so that the first prompt
#: errs on the short side; the first answer's counters replace these.
DEFAULT_SPEEDS = Speeds(prompt_tps=200.0, eval_tps=20.0, chars_per_token=3.0)


def _blend(old: float, new: float, samples: int) -> float:
    """An average over the first few samples, then an exponential moving one (the machine's
    load drifts)."""
    return old + max(_WEIGHT, 1 / (samples + 1)) * (new - old)


class SpeedBook:
    """Learned :class:`Speeds` per (endpoint, model); ``on_learned`` hears of every change."""

    def __init__(self, on_learned: Callable[[str, str, Speeds], None] | None = None) -> None:
        self.on_learned = on_learned
        self._speeds: dict[tuple[str, str], Speeds] = {}
        self._endpoint: dict[str, str] = {}  # the endpoint that last served each model

    def load(self, endpoint: str, model: str, speeds: Speeds) -> None:
        """Speeds remembered from an earlier session."""
        self._speeds[(endpoint, model)] = speeds
        self._endpoint.setdefault(model, endpoint)

    def get(self, model: str) -> Speeds:
        """The speeds of ``model`` where it last ran (the defaults until it has run)."""
        endpoint = self._endpoint.get(model)
        if endpoint is None:
            return DEFAULT_SPEEDS
        return self._speeds.get((endpoint, model), DEFAULT_SPEEDS)

    def learn(
        self,
        endpoint: str,
        model: str,
        *,
        prompt_tokens: int | None = None,
        prompt_ms: float | None = None,
        prompt_chars: int | None = None,
        eval_tokens: int | None = None,
        eval_ms: float | None = None,
    ) -> Speeds:
        """Fold one generation's counters in; ``prompt_chars`` is the length of the prompt
        text those ``prompt_tokens`` were (the part not cached)."""
        self._endpoint[model] = endpoint
        before = self._speeds.get((endpoint, model), DEFAULT_SPEEDS)
        s = before
        if prompt_tokens and prompt_ms and prompt_tokens >= _MIN_PROMPT_SAMPLE:
            tps = _blend(s.prompt_tps, prompt_tokens / (prompt_ms / 1000), s.prompt_samples)
            s = replace(s, prompt_tps=tps, prompt_samples=s.prompt_samples + 1)
        if eval_tokens and eval_ms and eval_tokens >= _MIN_EVAL_SAMPLE:
            tps = _blend(s.eval_tps, eval_tokens / (eval_ms / 1000), s.eval_samples)
            s = replace(s, eval_tps=tps, eval_samples=s.eval_samples + 1)
        if prompt_tokens and prompt_chars and prompt_tokens >= _MIN_CHARS_SAMPLE:
            ratio = min(8.0, max(1.0, prompt_chars / prompt_tokens))
            cpt = _blend(s.chars_per_token, ratio, s.chars_samples)
            s = replace(s, chars_per_token=cpt, chars_samples=s.chars_samples + 1)
        if s is not before:
            self._speeds[(endpoint, model)] = s
            if self.on_learned is not None:
                self.on_learned(endpoint, model, s)
        return s


def uncached_allowance(speeds: Speeds, budget_ms: float, expected_tokens: int) -> int:
    """Prompt tokens that may be evaluated (not found in the cache) for a suggestion of
    ``expected_tokens`` to be due within ``budget_ms``.

    Writing the suggestion comes first; the prompt gets what is left, but never less than a
    quarter of the budget nor :data:`MIN_PROMPT_TOKENS` (a few lines: below that a suggestion
    is a guess whatever its speed).
    """
    writing_ms = expected_tokens / max(speeds.eval_tps, 0.1) * 1000
    prompt_ms = max(budget_ms - writing_ms - OVERHEAD_MS, budget_ms * _MIN_PROMPT_SHARE)
    return max(MIN_PROMPT_TOKENS, int(prompt_ms / 1000 * speeds.prompt_tps))
