"""The router's rules, with a clock the tests move: affinity, models, load, health, speed."""

from __future__ import annotations

import pytest

from ollama_lsp.providers import Router
from ollama_lsp.providers._routing import AFFINITY_KEYS, DOWN_FOR, LATENCY_HALF_LIFE

A, B = "http://gpu-a:11434", "http://gpu-b:11434"
MODEL = "qwen2.5-coder:1.5b-base"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def router(clock: Clock) -> Router:
    return Router([A, B], clock=clock)


def serve(router: Router, key: str, latency: float | None = 0.01) -> str:
    """One request for ``key``, served by the first endpoint of the order."""
    endpoint = router.order(MODEL, key)[0]
    router.started(endpoint)
    router.finished(endpoint, latency=latency)
    router.place(key, endpoint, latency)
    return endpoint


def test_new_documents_spread_and_each_stays_on_its_server(router: Router) -> None:
    first = {f"file:///doc{i}.py": serve(router, f"file:///doc{i}.py") for i in range(40)}
    assert 10 <= list(first.values()).count(A) <= 30  # spread without talking to other editors
    for key, endpoint in first.items():
        assert serve(router, key) == endpoint


def test_a_server_with_the_model_loaded_comes_first_and_one_without_it_last(
    router: Router,
) -> None:
    router.learned(A, loaded=[], available=["other:1b"])
    router.learned(B, loaded=[MODEL], available=[MODEL])
    assert all(router.order(MODEL, f"k{i}")[0] == B for i in range(20))
    router.learned(B, loaded=[], available=[MODEL])
    assert all(router.order(MODEL, f"k{i}")[0] == B for i in range(20))  # A lacks it


def test_a_placed_document_leaves_a_server_that_lost_the_model(router: Router) -> None:
    endpoint = serve(router, "doc")
    router.lacks(endpoint, MODEL)
    assert router.order(MODEL, "doc")[0] != endpoint


def test_the_fewest_requests_in_flight_break_the_tie(router: Router) -> None:
    router.started(A)
    router.started(A)
    router.started(B)
    assert all(router.order(MODEL, f"k{i}")[0] == B for i in range(20))


def test_a_down_server_goes_last_until_its_verdict_expires(router: Router, clock: Clock) -> None:
    endpoint = serve(router, "doc")
    other = B if endpoint == A else A
    router.mark_down(endpoint)
    assert router.order(MODEL, "doc") == [other, endpoint]
    assert serve(router, "doc") == other
    clock.now += DOWN_FOR + 1
    assert not router.is_down(endpoint)
    assert router.order(MODEL, "doc")[0] == other  # the document stays where it moved


def test_a_much_slower_server_loses_its_documents_and_gets_another_chance_later(
    router: Router, clock: Clock
) -> None:
    router.learned(A, loaded=[MODEL], available=None)
    router.learned(B, loaded=[MODEL], available=None)
    router.started(B)
    router.finished(B, latency=0.05)
    placed = [k for k in (f"k{i}" for i in range(40)) if router.order(MODEL, k)[0] == A][:3]
    for key in placed:
        router.place(key, A)
    router.started(A)
    router.finished(A, latency=0.5)  # ten times slower
    assert all(router.order(MODEL, key)[0] == B for key in placed)
    assert all(router.order(MODEL, f"new{i}")[0] == B for i in range(20))
    clock.now += 5 * LATENCY_HALF_LIFE
    assert any(router.order(MODEL, f"new{i}")[0] == A for i in range(20))


def test_a_document_on_a_slow_server_tries_one_never_measured(router: Router) -> None:
    key = next(k for k in (f"k{i}" for i in range(40)) if router.order(MODEL, k)[0] == A)
    assert serve(router, key, latency=0.9) == A  # the first request evaluates the whole prompt
    assert serve(router, key, latency=0.3) == A  # still slow with the prompt cached:
    assert serve(router, key, latency=0.01) == B  # B is tried...
    assert serve(router, key, latency=0.01) == B  # ... and kept: A is much slower


def test_a_quick_server_keeps_its_documents_without_exploring(router: Router) -> None:
    key = next(k for k in (f"k{i}" for i in range(40)) if router.order(MODEL, k)[0] == A)
    latencies = [0.6, 0.02, 0.02, 0.02, 0.02]  # a cold prompt, then cached ones
    assert [serve(router, key, latency=latency) for latency in latencies] == [A] * 5


def test_states_show_loaded_models_latency_and_share(router: Router) -> None:
    router.learned(A, loaded=["Codellama:7b-code"], available=None)
    for key in ("x", "y", "z"):
        router.place(key, A)
        serve(router, key, latency=0.02)
    router.started(B)
    router.finished(B)
    states = {s.url: s for s in router.states()}
    assert states[A].loaded == ("codellama:7b-code",)
    assert states[A].latency_ms == 20.0 and states[B].latency_ms is None
    assert (states[A].share, states[B].share) == (0.75, 0.25)
    assert states[A].in_flight == 0 and states[A].requests == 3


def test_affinity_keys_are_bounded(router: Router) -> None:
    for i in range(AFFINITY_KEYS + 10):
        router.place(f"k{i}", A)
    assert router.placed("k0") is None and router.placed(f"k{AFFINITY_KEYS + 9}") == A
