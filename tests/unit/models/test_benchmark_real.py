"""Two real levels of one model compared by the benchmark runner: the gemma3 270M Q4_K_M GGUF
and a Q2_K made from it with llama.cpp's quantizer, both served by the emulator's real engine."""

from __future__ import annotations

import ctypes
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from ollama_lsp.models.benchmark import format_table, run_benchmark
from ollama_lsp.ollama import ClientSettings, OllamaClient
from tests.fake_ollama import FakeOllama

pytestmark = pytest.mark.real_model

Q4 = "gemma3:270m-q4_K_M"
Q2 = "gemma3:270m-q2_K"
PROMPTS = ("def fibonacci(n):\n    ", "The capital of France is")


def quantize(source: str, target: Path) -> None:
    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q2_K
    params.allow_requantize = True  # the source is already quantized
    status = llama_cpp.llama_model_quantize(
        source.encode(), str(target).encode(), ctypes.byref(params)
    )
    assert status == 0, f"llama_model_quantize failed ({status})"


@pytest.fixture(scope="module")
def fake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeOllama]:
    from tests.fake_ollama._real_model import default_gguf

    q2 = tmp_path_factory.mktemp("gguf") / "gemma3-270m-q2_k.gguf"
    quantize(default_gguf(), q2)
    with FakeOllama() as fake:
        fake.use_real_model(Q4)
        fake.use_real_model(Q2, str(q2))
        yield fake


@pytest.fixture
async def client(fake: FakeOllama) -> AsyncIterator[OllamaClient]:
    async with OllamaClient(ClientSettings(endpoints=(fake.url,), read_timeout=300)) as c:
        yield c


async def test_two_real_levels_are_measured_and_compared(client: OllamaClient) -> None:
    rows = await run_benchmark(client, Q4, ["Q4_K_M", "Q2_K"], None, prompts=PROMPTS)

    q4, q2 = rows
    assert (q4.level, q2.level) == ("Q4_K_M", "Q2_K")
    assert q4.agreement == 1.0
    assert q2.agreement is not None and 0.0 <= q2.agreement <= 1.0
    assert q4.memory_bytes > q2.memory_bytes > 0  # the smaller file is the smaller runner
    assert q4.eval_tokens_per_second > 0 and q2.eval_tokens_per_second > 0
    print("\n" + format_table(rows))  # recorded in docs/benchmarks.md
