"""Error statuses, error bodies and transport failures map to the AiError tree."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from ollama_lsp.ollama import (
    AiError,
    ApiError,
    AuthenticationFailed,
    BadResponse,
    InsertNotSupported,
    ModelNotFound,
    OllamaClient,
    OllamaTimeout,
    OllamaUnreachable,
    OutOfMemory,
    RequestCancelled,
    ServerBusy,
    redact,
)
from tests.unit.ollama.helpers import HOST, chunk, make_client, ndjson


@pytest.fixture
async def client() -> AsyncIterator[OllamaClient]:
    async with make_client(max_retries=0) as c:
        yield c


async def test_unknown_model_is_model_not_found(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    api.post("/api/generate").respond(404, json={"error": "model 'x' not found"})
    with pytest.raises(ModelNotFound) as caught:
        await client.generate("x", "hi")
    error = caught.value
    assert error.model == "x" and error.status == 404 and error.endpoint == HOST
    assert error.message == (f"model 'x' is not pulled on {HOST}: pull it with `ollama pull x`")


async def test_show_unknown_model(client: OllamaClient, api: respx.MockRouter) -> None:
    api.post("/api/show").respond(404, json={"error": 'model "x" not found, try pulling it first'})
    with pytest.raises(ModelNotFound, match=r"ollama pull x"):
        await client.show("x")


async def test_suffix_on_a_model_without_insert(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    api.post("/api/generate").respond(
        400, json={"error": "registry.ollama.ai/library/llama3:latest does not support insert"}
    )
    with pytest.raises(InsertNotSupported) as caught:
        await client.generate("llama3", "a", suffix="b")
    assert caught.value.model == "llama3"
    assert caught.value.message == (
        "model 'llama3' does not support fill-in-the-middle (insert); "
        "choose a code model such as codellama:7b-code"
    )


async def test_out_of_memory_names_the_sizes(client: OllamaClient, api: respx.MockRouter) -> None:
    api.post("/api/generate").respond(
        500,
        json={"error": "model requires more system memory (7.5 GiB) than is available (5.2 GiB)"},
    )
    with pytest.raises(OutOfMemory) as caught:
        await client.generate("big", "hi")
    error = caught.value
    assert (error.required, error.available) == ("7.5 GiB", "5.2 GiB")
    assert "needs 7.5 GiB but only 5.2 GiB is available" in error.message
    assert "smaller model" in error.message


async def test_out_of_memory_mid_stream(client: OllamaClient, api: respx.MockRouter) -> None:
    api.post("/api/generate").respond(
        content=ndjson(chunk("a"), {"error": "CUDA error: out of memory"})
    )
    with pytest.raises(OutOfMemory) as caught:
        await client.generate("m", "hi")
    assert caught.value.required is None
    assert "out of memory" in caught.value.message


@pytest.mark.parametrize("status", [401, 403])
async def test_proxy_rejecting_credentials(api: respx.MockRouter, status: int) -> None:
    api.get("/api/tags").respond(status, text="<html>Forbidden: bad token tok-SECRET</html>")
    async with make_client(api_key="tok-SECRET", max_retries=0) as client:
        with pytest.raises(AuthenticationFailed) as caught:
            await client.list_models()
    message = caught.value.message
    assert f"the server at {HOST} rejected the credentials" in message
    assert "check ollama.apiKey / OLLAMA_API_KEY" in message
    assert "tok-SECRET" not in message
    assert "tok-SECRET" not in repr(caught.value) and "tok-SECRET" not in str(caught.value)


async def test_secret_in_a_mid_stream_error_is_redacted(api: respx.MockRouter) -> None:
    api.post("/api/generate").respond(content=ndjson({"error": "upstream said key=hdr-secret"}))
    async with make_client(headers={"X-Api-Key": "hdr-secret"}, max_retries=0) as client:
        with pytest.raises(ApiError) as caught:
            await client.generate("m", "x")
    assert "hdr-secret" not in caught.value.message
    assert "key=***" in caught.value.message


SECRET_KEY, SECRET_HEADER = "sk-live-0123456789", "hdr-0123456789"
LEAKS = f"Bearer {SECRET_KEY} and X-Api-Key: {SECRET_HEADER}"
# Each way a server's answer reaches an error message, echoing the request's credentials.
ECHOES = {
    "malformed stream line": ("POST", "/api/generate", dict(content=b"bad " + LEAKS.encode())),
    "mid-stream error line": ("POST", "/api/generate", dict(content=ndjson({"error": LEAKS}))),
    "error status body": ("POST", "/api/generate", dict(status_code=500, json={"error": LEAKS})),
    "busy body": ("POST", "/api/generate", dict(status_code=503, text=LEAKS)),
    "out of memory body": ("POST", "/api/generate", dict(status_code=500, text="oom " + LEAKS)),
    "not JSON": ("GET", "/api/tags", dict(text="<html>" + LEAKS)),
    "wrong shape": ("GET", "/api/tags", dict(json={"models": [{"nom": LEAKS}]})),
    "wrong shape in a stream": (
        "POST", "/api/generate", dict(content=ndjson({"done": "maybe", "response": {LEAKS: 1}}))
    ),
}  # fmt: skip


@pytest.mark.parametrize("echo", ECHOES.values(), ids=ECHOES.keys())
async def test_no_error_path_shows_the_api_key_or_a_secret_header(
    api: respx.MockRouter, echo: tuple[str, str, dict[str, object]]
) -> None:
    method, path, answer = echo
    api.route(method=method, path=path).respond(**answer)  # type: ignore[arg-type]
    settings = {"api_key": SECRET_KEY, "headers": {"X-Api-Key": SECRET_HEADER}, "max_retries": 0}
    async with make_client(**settings) as client:
        with pytest.raises(AiError) as caught:
            if path == "/api/tags":
                await client.list_models()
            else:
                await client.generate("m", "x")
    shown = f"{caught.value.message} {caught.value!s} {caught.value!r} {caught.value.endpoint}"
    assert SECRET_KEY not in shown and SECRET_HEADER not in shown, shown
    if "shape" not in caught.value.message and "JSON" not in caught.value.message:
        assert "***" in shown  # the answer was shown, redacted


def test_redact_hides_url_passwords_and_keeps_the_rest_readable() -> None:
    text = "bad endpoint https://alice:pa55@gpu.example:8443/ollama and http://bob@host"
    assert redact(text) == (
        "bad endpoint https://alice:***@gpu.example:8443/ollama and http://bob@host"
    )


async def test_connection_refused_says_how_to_start_ollama(api: respx.MockRouter) -> None:
    api.get("/api/version").mock(side_effect=httpx.ConnectError("Connection refused"))
    async with make_client(max_retries=0) as client:
        with pytest.raises(OllamaUnreachable) as caught:
            await client.version()
    assert caught.value.message == (
        f"Ollama is not running at {HOST}: start it with `ollama serve`, "
        "or check ollama.endpoints / OLLAMA_HOST"
    )
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


async def test_read_timeout_on_a_short_request(client: OllamaClient, api: respx.MockRouter) -> None:
    api.get("/api/ps").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(OllamaTimeout, match="timed out waiting for Ollama"):
        await client.running()


async def test_tls_failure_suggests_a_ca_bundle(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    api.get("/api/ps").mock(
        side_effect=httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    )
    with pytest.raises(OllamaUnreachable, match="CA bundle"):
        await client.running()


async def test_busy_server_after_retries(client: OllamaClient, api: respx.MockRouter) -> None:
    api.post("/api/chat").respond(
        503, json={"error": "server busy, please try again.  maximum pending requests exceeded"}
    )
    with pytest.raises(ServerBusy, match="try again in a moment"):
        await client.chat("m", [])


async def test_request_canceled_by_server(client: OllamaClient, api: respx.MockRouter) -> None:
    api.post("/api/generate").respond(499, json={"error": "request canceled"})
    with pytest.raises(RequestCancelled):
        await client.generate("m", "x")


async def test_other_status_is_api_error_with_text(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    api.post("/api/generate").respond(
        400, json={"error": "raw mode does not support template, system, or context"}
    )
    with pytest.raises(ApiError) as caught:
        await client.generate("m", "x", raw=True, system="s")
    assert caught.value.status == 400
    assert "raw mode does not support" in caught.value.message


async def test_plain_text_404_on_an_unknown_path(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    api.get("/api/version").respond(404, text="404 page not found")
    with pytest.raises(ApiError) as caught:
        await client.version()
    assert not isinstance(caught.value, ModelNotFound)
    assert caught.value.status == 404


async def test_pull_of_a_model_missing_from_the_registry(
    client: OllamaClient, api: respx.MockRouter
) -> None:
    api.post("/api/pull").respond(
        content=ndjson(
            {"status": "pulling manifest"}, {"error": "pull model manifest: file does not exist"}
        )
    )
    events = []
    with pytest.raises(ModelNotFound, match="does not exist in the registry"):
        async for event in client.pull("nope"):
            events.append(event.status)
    assert events == ["pulling manifest"]


@pytest.mark.parametrize(
    "body",
    [b"<html>not ollama</html>", b'{"models": 3}', b'{"unexpected": true}'],
    ids=["html", "wrong-type", "missing-key"],
)
async def test_wrong_shaped_answers_are_bad_response(
    client: OllamaClient, api: respx.MockRouter, body: bytes
) -> None:
    api.get("/api/tags").respond(content=body)
    with pytest.raises(BadResponse, match="Ollama server"):
        await client.list_models()


def test_every_error_is_an_ai_error() -> None:
    for kind in (
        OllamaUnreachable,
        OllamaTimeout,
        OutOfMemory,
        ServerBusy,
        AuthenticationFailed,
        BadResponse,
        RequestCancelled,
    ):
        assert issubclass(kind, AiError)
    assert issubclass(ModelNotFound, AiError) and issubclass(InsertNotSupported, AiError)
    assert ApiError("x", status=418).status == 418
