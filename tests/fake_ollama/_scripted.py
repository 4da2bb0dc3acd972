"""The deterministic engine: per-test rules decide the reply, the clock decides the pace."""

from __future__ import annotations

import asyncio
import re
import string
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, fields
from typing import Any

from ._config import EmulatorConfig
from ._edit_region import parse_edit_region, reply_with
from ._generation import EngineCrashed, GenerationRequest, GenerationStats, StopFilter
from ._names import parse_name

__all__ = ["Rule", "ScriptedEngine", "tokenize"]

# What Ollama says when a model's runner dies of a segmentation fault.
SCRIPTED_CRASH = "llama runner process has terminated: signal: segmentation fault"
_TOKEN = re.compile(r"\s*\w+|\s*[^\w\s]|\s+")


def tokenize(text: str) -> list[str]:
    """A stable word-piece split: each token carries its leading whitespace."""
    return _TOKEN.findall(text)


def _middle_of(document: str, prefix: str, suffix: str) -> str:
    """The part of ``document`` between a (tail of its) prefix and a (head of its) suffix."""
    start = document.find(prefix) if prefix else 0
    if start < 0:
        return ""
    start += len(prefix)
    end = document.find(suffix, start) if suffix else len(document)
    return document[start:end] if end >= 0 else ""


@dataclass
class Rule:
    """Matches requests and says what to answer. Unset match fields match anything.

    Reply, first that is set: ``reply`` (text, or a function of the request), ``template``
    (``string.Template`` over ``$prompt $prefix $suffix $prefix_last_line $suffix_first_line
    $last_user $model``), ``echo`` (one of those field names), ``fim_middle_of`` (a whole
    document: the reply is the text between the request's FIM prefix and suffix),
    ``rewrite_region`` (a next-edit prompt's editable region rewritten by a function of the
    region, or, from JSON, by a list of ``[old, new]`` replacements; a rule with it matches
    next-edit prompts only), answered as Zeta does or, with ``rewrite_as="fence"``, in a
    fenced block.
    ``exhausts_budget``: the reply is where the model ran out of tokens, so the generation ends
    as one cut by ``num_predict`` does (``done_reason`` ``length``, ``eval_count`` the budget).
    ``options`` matches requests whose ``options`` have these values (``{"seed": 2}``: one
    sample of a sampled generation, as a seed decides a real model's).
    """

    reply: str | Callable[[GenerationRequest], str] | None = None
    template: str | None = None
    echo: str | None = None
    fim_middle_of: str | None = None
    rewrite_region: Callable[[str], str] | list[list[str]] | None = None
    rewrite_as: str = "region"
    model: str | None = None
    endpoint: str | None = None
    prompt_contains: str | None = None
    prompt_regex: str | None = None
    prefix_endswith: str | None = None
    suffix_startswith: str | None = None
    options: dict[str, Any] | None = None
    fim: bool | None = None
    first_token_seconds: float | None = None
    tokens_per_second: float | None = None
    exhausts_budget: bool = False
    times: int | None = None
    hits: int = field(default=0, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Rule:
        known = {f.name for f in fields(cls)} - {"hits"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown rule keys: {sorted(unknown)}")
        if "reply" in data and not isinstance(data["reply"], str | None):
            raise ValueError("reply must be a string")
        pairs = data.get("rewrite_region")
        if pairs is not None and not (
            isinstance(pairs, list)
            and all(
                isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)
                for p in pairs
            )
        ):
            raise ValueError("rewrite_region must be a list of [old, new] string pairs")
        if data.get("rewrite_as", "region") not in ("region", "fence"):
            raise ValueError('rewrite_as must be "region" or "fence"')
        return cls(**data)

    def to_json(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in ("reply", "rewrite_region"):
            value = getattr(self, name)
            if callable(value):
                out[name] = f"<function {getattr(value, '__name__', '?')}>"
        return out

    def matches(self, request: GenerationRequest) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.model is not None:
            wanted, given = parse_name(self.model), parse_name(request.model)
            if wanted is None or given is None or wanted.key != given.key:
                return False
        if self.endpoint is not None and self.endpoint != request.endpoint:
            return False
        if self.prompt_contains is not None and self.prompt_contains not in request.prompt:
            return False
        if self.prompt_regex is not None and not re.search(self.prompt_regex, request.prompt):
            return False
        if self.rewrite_region is not None and parse_edit_region(request.prompt) is None:
            return False
        if self.fim is not None and self.fim != (request.fim is not None):
            return False
        if self.options is not None and any(
            request.options.get(key) != value for key, value in self.options.items()
        ):
            return False
        fim = request.fim
        if self.prefix_endswith is not None and not (
            fim and fim.prefix.endswith(self.prefix_endswith)
        ):
            return False
        return self.suffix_startswith is None or bool(
            fim and fim.suffix.startswith(self.suffix_startswith)
        )

    def compose(self, request: GenerationRequest) -> str:
        fields_ = _template_fields(request)
        if callable(self.reply):
            return self.reply(request)
        if self.reply is not None:
            return self.reply
        if self.template is not None:
            return string.Template(self.template).safe_substitute(fields_)
        if self.echo is not None:
            return fields_.get(self.echo, "")
        if self.fim_middle_of is not None and request.fim is not None:
            return _middle_of(self.fim_middle_of, request.fim.prefix, request.fim.suffix)
        if self.rewrite_region is not None:
            return self._rewritten(request)
        return ""

    def _rewritten(self, request: GenerationRequest) -> str:
        region = parse_edit_region(request.prompt)
        if region is None:
            return ""
        if callable(self.rewrite_region):
            text = self.rewrite_region(region.text)
        else:
            text = region.text
            for old, new in self.rewrite_region or ():
                text = text.replace(old, new)
        return reply_with(text, self.rewrite_as)


def _template_fields(request: GenerationRequest) -> dict[str, str]:
    prefix = request.fim.prefix if request.fim else request.prompt
    suffix = request.fim.suffix if request.fim else ""
    return {
        "prompt": request.prompt,
        "prefix": prefix,
        "suffix": suffix,
        "prefix_last_line": prefix.rsplit("\n", 1)[-1],
        "suffix_first_line": suffix.split("\n", 1)[0],
        "last_user": request.last_user_message,
        "model": request.model,
    }


class ScriptedEngine:
    """Serves every model the real engine does not. The newest matching rule wins."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self._rules: list[Rule] = []
        self._lock = threading.Lock()

    def serves(self, model: str) -> bool:
        return True

    def add_rule(self, rule: Rule) -> Rule:
        with self._lock:
            self._rules.insert(0, rule)
        return rule

    def clear_rules(self) -> None:
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[Rule]:
        with self._lock:
            return list(self._rules)

    def pick(self, request: GenerationRequest) -> Rule | None:
        with self._lock:
            for rule in self._rules:
                if rule.matches(request):
                    rule.hits += 1
                    return rule
        return None

    def start(self, request: GenerationRequest) -> _ScriptedGeneration:
        rule = self.pick(request)
        text = rule.compose(request) if rule else self.config.default_reply
        latency = (
            rule.first_token_seconds
            if rule and rule.first_token_seconds is not None
            else self.config.first_token_seconds
        )
        rate = (
            rule.tokens_per_second
            if rule and rule.tokens_per_second is not None
            else self.config.tokens_per_second
        )
        exhausts = rule is not None and rule.exhausts_budget
        generation = _ScriptedGeneration(request, text, latency, rate, exhausts_budget=exhausts)
        generation.prompt_rate = self.config.prompt_tokens_per_second
        return generation


class _ScriptedGeneration:
    def __init__(
        self,
        request: GenerationRequest,
        text: str,
        latency: float,
        rate: float,
        *,
        exhausts_budget: bool = False,
    ) -> None:
        self.request = request
        self.text = text
        self.latency = latency
        self.rate = rate
        self.exhausts_budget = exhausts_budget
        self.prompt_rate = 0.0
        self.stats = GenerationStats()

    def _evaluate_prompt(self) -> int:
        """Tokens evaluated for the prompt after reusing the cached common prefix.

        GUESS (as llama.cpp does): at least one token is always evaluated, and the BOS token
        counts.
        """
        tokens = ["<s>", *tokenize(self.request.prompt)]
        cache = self.request.cache
        shared = 0
        for cached, new in zip(cache, tokens[:-1], strict=False):
            if cached != new:
                break
            shared += 1
        cache[:] = tokens
        return len(tokens) - shared

    async def pieces(self) -> AsyncIterator[str]:
        started = time.perf_counter_ns()
        self.stats.prompt_eval_count = self._evaluate_prompt()
        evaluating = self.latency
        if self.prompt_rate > 0:
            evaluating += self.stats.prompt_eval_count / self.prompt_rate
        if evaluating > 0:
            await asyncio.sleep(evaluating)
        eval_start = time.perf_counter_ns()
        self.stats.prompt_eval_duration = max(eval_start - started, 1)
        stops = StopFilter(self.request.stop)
        limit = self.request.num_predict
        self.stats.done_reason = "stop"
        try:
            for index, token in enumerate(tokenize(self.text)):
                if 0 < limit <= index:  # Ollama: num_predict 0 (or below) is no limit
                    self.stats.done_reason = "length"
                    break
                if index and self.rate > 0:
                    await asyncio.sleep(1.0 / self.rate)
                else:
                    await asyncio.sleep(0)
                if self.request.crash_after is not None and index >= self.request.crash_after:
                    raise EngineCrashed(SCRIPTED_CRASH)
                self.request.on_token()
                self.stats.eval_count += 1
                emitted = stops.feed(token)
                if emitted:
                    yield emitted
                if stops.stopped:
                    break
            else:
                tail = stops.flush()
                if tail:
                    yield tail
                if self.exhausts_budget and limit > 0:
                    self.stats.done_reason = "length"
                    self.stats.eval_count = max(self.stats.eval_count, limit)
        finally:
            self.stats.eval_duration = max(time.perf_counter_ns() - eval_start, 1)
