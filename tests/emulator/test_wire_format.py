"""The exact bytes on the wire: content types, NDJSON framing, omitempty, error texts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fake_ollama import CATALOG, FakeOllama

# Every test leaves the module's emulator reset.
pytestmark = pytest.mark.usefixtures("fake_ollama_shared")


@pytest.fixture(scope="module")
def http(fake_ollama_module: FakeOllama) -> Iterator[httpx.Client]:
    """One client for the module: building an httpx client (TLS context) is not free."""
    with httpx.Client(base_url=fake_ollama_module.url) as client:
        yield client


def test_root_and_version(http: httpx.Client) -> None:
    root = http.get("/")
    head = http.head("/")
    version = http.get("/api/version")

    assert (root.status_code, root.text) == (200, "Ollama is running")
    assert root.headers["content-type"] == "text/plain; charset=utf-8"
    assert head.status_code == 200
    assert version.json() == {"version": "0.12.6"}
    assert version.headers["content-type"] == "application/json; charset=utf-8"


def test_unknown_path_and_wrong_method_use_gin_texts(http: httpx.Client) -> None:
    assert (http.get("/api/nothing").status_code, http.get("/api/nothing").text) == (
        404,
        "404 page not found",
    )
    wrong = http.get("/api/generate")
    assert (wrong.status_code, wrong.text) == (405, "405 method not allowed")


def test_stream_is_newline_framed_ndjson_with_omitempty(
    http: httpx.Client, fake_ollama_shared: FakeOllama
) -> None:
    fake_ollama_shared.reply("one two")

    response = http.post("/api/generate", json={"model": "tinyllama", "prompt": "count"})

    assert response.headers["content-type"] == "application/x-ndjson"
    assert response.headers.get("transfer-encoding") == "chunked"
    assert response.text.endswith("\n")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [list(line) for line in lines[:-1]] == [["model", "created_at", "response", "done"]] * (
        len(lines) - 1
    )
    final = lines[-1]
    assert list(final)[:5] == ["model", "created_at", "response", "done", "done_reason"]
    assert final["response"] == "" and final["done"] is True
    for key in ("total_duration", "load_duration", "prompt_eval_duration", "eval_duration"):
        assert isinstance(final[key], int) and final[key] > 0
    assert final["eval_count"] == 2 and final["context"]


def test_raw_generate_has_no_context_and_chat_final_has_none(
    http: httpx.Client, fake_ollama_shared: FakeOllama
) -> None:
    raw = http.post(
        "/api/generate",
        json={"model": "tinyllama", "prompt": "x", "raw": True, "stream": False},
    ).json()
    chat = http.post(
        "/api/chat",
        json={"model": "tinyllama", "messages": [{"role": "user", "content": "x"}]},
    )
    final = json.loads(chat.text.splitlines()[-1])

    assert "context" not in raw and raw["done"] is True
    assert "context" not in final
    assert final["message"] == {"role": "assistant", "content": ""}


def test_html_characters_are_escaped_like_go(
    http: httpx.Client, fake_ollama_shared: FakeOllama
) -> None:
    fake_ollama_shared.reply("a < b && c > d")

    response = http.post(
        "/api/generate", json={"model": "tinyllama", "prompt": "x", "stream": False}
    )

    assert "\\u003c" in response.text and "\\u0026\\u0026" in response.text
    assert response.json()["response"] == "a < b && c > d"


def test_created_at_is_utc_rfc3339_with_nanoseconds(http: httpx.Client) -> None:
    body = http.post(
        "/api/generate", json={"model": "tinyllama", "prompt": "x", "stream": False}
    ).json()

    assert body["created_at"].endswith("Z")
    assert len(body["created_at"].split(".")[1].rstrip("Z")) <= 9


ERRORS: list[tuple[str, str, Any, int, str]] = [
    ("POST", "/api/generate", None, 400, "missing request body"),
    (
        "POST",
        "/api/generate",
        "{x",
        400,
        "invalid character 'x' looking for beginning of object key string",
    ),
    ("POST", "/api/generate", "x", 400, "invalid character 'x' looking for beginning of value"),
    ("POST", "/api/generate", {"model": ""}, 404, "model '' not found"),
    ("POST", "/api/generate", {"model": "llama9"}, 404, "model 'llama9' not found"),
    ("POST", "/api/generate", {"model": "a/b/c/d"}, 400, "invalid model name"),
    (
        "POST",
        "/api/generate",
        {"model": "tinyllama", "prompt": 5},
        400,
        "json: cannot unmarshal number into Go struct field GenerateRequest.prompt of type string",
    ),
    (
        "POST",
        "/api/generate",
        {"model": "tinyllama", "raw": True, "system": "s", "prompt": "p"},
        400,
        "raw mode does not support template, system, or context",
    ),
    (
        "POST",
        "/api/generate",
        {"model": "tinyllama", "prompt": "p", "suffix": "s"},
        400,
        "registry.ollama.ai/library/tinyllama:latest does not support insert",
    ),
    (
        "POST",
        "/api/generate",
        {"model": "nomic-embed-text", "prompt": "p"},
        400,
        '"nomic-embed-text" does not support generate',
    ),
    (
        "POST",
        "/api/generate",
        {"model": "tinyllama", "keep_alive": "300"},
        400,
        'time: missing unit in duration "300"',
    ),
    (
        "POST",
        "/api/generate",
        {"model": "tinyllama", "prompt": "p", "top_logprobs": 21},
        400,
        "top_logprobs must be between 0 and 20",
    ),
    (
        "POST",
        "/api/generate",
        {"model": "tinyllama", "prompt": "p", "options": {"stop": "x"}},
        500,
        'option "stop" must be of type array',
    ),
    (
        "POST",
        "/api/chat",
        {"model": "tinyllama", "options": {"temperature": "hot"}},
        500,
        'option "temperature" must be of type float32',
    ),
    ("POST", "/api/chat", {"messages": []}, 400, "model is required"),
    ("POST", "/api/chat", {"model": "llama9"}, 404, "model 'llama9' not found"),
    (
        "POST",
        "/api/chat",
        {"model": "tinyllama", "think": True, "messages": []},
        400,
        '"tinyllama" does not support thinking',
    ),
    ("POST", "/api/show", {}, 400, "model is required"),
    ("POST", "/api/show", {"model": "llama9"}, 404, "model 'llama9' not found"),
    ("DELETE", "/api/delete", {"model": "llama9"}, 404, "model 'llama9' not found"),
    (
        "POST",
        "/api/copy",
        {"source": "llama9", "destination": "x"},
        404,
        'model "llama9" not found',
    ),
    (
        "POST",
        "/api/copy",
        {"source": "tinyllama", "destination": "a/b/c/d"},
        400,
        'destination "a/b/c/d" is invalid',
    ),
    ("POST", "/api/embed", {"model": "nomic-embed-text", "input": 5}, 400, "invalid input type"),
    ("POST", "/api/embed", {"model": "llama9", "input": "x"}, 404, "model 'llama9' not found"),
    (
        "POST",
        "/api/pull",
        {"model": "no-such", "stream": False},
        500,
        "pull model manifest: file does not exist",
    ),
    ("POST", "/api/pull", {"model": "a/b/c/d"}, 400, "invalid model name"),
    ("POST", "/api/create", {"model": "x"}, 400, "neither 'from' or 'files' was specified"),
    (
        "POST",
        "/api/create",
        {
            "model": "x",
            "from": "tinyllama:1.1b-chat-v1-fp16",
            "quantize": "q5_K_M",
            "stream": False,
        },
        500,
        "unsupported quantization type Q5_K_M - supported types are F32, F16, Q4_K_S, Q4_K_M, Q8_0",
    ),
    (
        "POST",
        "/api/create",
        {"model": "x", "from": "tinyllama", "quantize": "q8_0", "stream": False},
        500,
        "quantization is only supported for F16, BF16 and F32 models",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "error"),
    ERRORS,
    ids=[f"{e[1]}-{e[4][:40]}" for e in ERRORS],
)
def test_error_status_and_text(
    http: httpx.Client, method: str, path: str, body: Any, status: int, error: str
) -> None:
    content = None if body is None else body if isinstance(body, str) else json.dumps(body)

    response = http.request(method, path, content=content)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json() == {"error": error}


def test_pull_of_unknown_model_streams_then_fails_with_200(http: httpx.Client) -> None:
    response = http.post("/api/pull", json={"model": "no-such"})

    assert response.status_code == 200
    assert [json.loads(line) for line in response.text.splitlines()] == [
        {"status": "pulling manifest"},
        {"error": "pull model manifest: file does not exist"},
    ]


def test_delete_and_copy_answer_an_empty_200(http: httpx.Client) -> None:
    copied = http.post("/api/copy", json={"source": "tinyllama", "destination": "backup"})
    deleted = http.request("DELETE", "/api/delete", json={"model": "backup"})

    assert (copied.status_code, copied.content) == (200, b"")
    assert (deleted.status_code, deleted.content) == (200, b"")


@pytest.mark.parametrize("spec", CATALOG, ids=lambda s: f"{s.repo}:{s.tag}")
def test_insert_capability_follows_the_template(
    fake_ollama_shared: FakeOllama, http: httpx.Client, spec: Any
) -> None:
    name = f"{spec.repo}:{spec.tag}"
    fake_ollama_shared.set_pulled([name])

    shown = http.post("/api/show", json={"model": name}).json()
    response = http.post(
        "/api/generate", json={"model": name, "prompt": "a", "suffix": "b", "stream": False}
    )

    supports = ".Suffix" in shown["template"]
    assert ("insert" in shown["capabilities"]) == supports
    arch = shown["model_info"]["general.architecture"]
    assert shown["model_info"][f"{arch}.context_length"] == spec.context_length
    if "completion" not in shown["capabilities"]:
        assert response.status_code == 400
    elif supports:
        assert response.status_code == 200
    else:
        assert response.json() == {
            "error": f"registry.ollama.ai/library/{name} does not support insert"
        }


def test_insert_support_of_the_named_models(
    fake_ollama_shared: FakeOllama, http: httpx.Client
) -> None:
    fake_ollama_shared.set_pulled(
        [
            "codellama:7b-code",
            "codellama:13b-code",
            "codellama:34b",
            "codellama:7b-instruct",
            "tinyllama",
            "qwen2.5-coder:1.5b-base",
            "deepseek-coder:1.3b-base",
            "starcoder2:3b",
            "codegemma:2b",
        ]
    )
    tags = http.get("/api/tags").json()["models"]

    inserting = {m["name"] for m in tags if "insert" in m["capabilities"]}

    assert inserting == {
        "codellama:7b-code",
        "codellama:13b-code",
        "qwen2.5-coder:1.5b-base",
        "deepseek-coder:1.3b-base",
        "starcoder2:3b",
        "codegemma:2b",
    }


def test_aliases_resolve_to_their_builds(
    fake_ollama_shared: FakeOllama, http: httpx.Client
) -> None:
    fake_ollama_shared.set_pulled(["codellama:7b-code", "tinyllama:latest"])

    code = http.post("/api/show", json={"model": "codellama:7b-code"}).json()
    tiny = http.post("/api/show", json={"model": "TinyLlama"}).json()
    tags = {m["name"]: m for m in http.get("/api/tags").json()["models"]}

    assert code["details"]["quantization_level"] == "Q4_0"
    assert tiny["model_info"]["llama.context_length"] == 2048
    assert tags["tinyllama:latest"]["digest"].startswith("2644915ede35")


def test_embeddings_are_normalised_and_close_for_shared_words(http: httpx.Client) -> None:
    body = {"model": "nomic-embed-text", "input": ["open the file", "open a file", "bake bread"]}

    response = http.post("/api/embed", json=body).json()
    legacy = http.post("/api/embeddings", json={"model": "nomic-embed-text", "prompt": "x"})
    short = http.post("/api/embed", json={**body, "dimensions": 64}).json()

    a, b, c = response["embeddings"]
    assert abs(sum(v * v for v in a) - 1) < 1e-9
    assert sum(x * y for x, y in zip(a, b, strict=True)) > sum(
        x * y for x, y in zip(a, c, strict=True)
    )
    assert response["prompt_eval_count"] > 0 and len(a) == 768
    assert len(legacy.json()["embedding"]) == 768
    assert len(short["embeddings"][0]) == 64


def test_empty_embed_input_returns_no_vectors(http: httpx.Client) -> None:
    response = http.post("/api/embed", json={"model": "nomic-embed-text", "input": []})

    assert response.json() == {"model": "nomic-embed-text", "embeddings": []}
