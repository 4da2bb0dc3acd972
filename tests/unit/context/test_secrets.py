"""Secrets found by content: credential files whatever their name, tokens inside code."""

from __future__ import annotations

import pytest

from ollama_lsp.context import ContextBuilder, Document
from ollama_lsp.context._secrets import REDACTED, is_credential_file, redact_secrets

ROOT = "file:///ws"
SERVICE_ACCOUNT = """{
  "type": "service_account",
  "project_id": "demo",
  "private_key_id": "abc",
  "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEv...\\n-----END PRIVATE KEY-----\\n"
}"""
PEM = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
)
AWS = (
    "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
)


@pytest.mark.parametrize(
    ("text", "language"),
    [(SERVICE_ACCOUNT, "json"), (PEM, "plaintext"), (AWS, "ini"), ("DB_HOST=db\n", "dotenv")],
    ids=["service account", "private key block", "aws credentials", "dotenv buffer"],
)
def test_credential_files_are_found_by_content_or_language(text: str, language: str) -> None:
    assert is_credential_file(text, language)


def test_code_that_talks_about_keys_is_not_a_credential_file() -> None:
    code = 'key = load_private_key(path)  # reads "-----BEGIN" blocks\nTOKEN_TYPE = "bearer"\n'
    assert not is_credential_file(code, "python")


LEAKY = {
    "aws key id": ("aws_key = AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
    "github": ("GITHUB_TOKEN: ghp_0123456789abcdefghijklmnopqrstuvwxyzAB", "ghp_0123"),
    "openai": ('client = OpenAI(api_key="sk-proj-abcdefghij0123456789ABCDEFGHIJklm")', "sk-proj"),
    "slack": ("hook = 'xoxb-1234567890-abcdefghij'", "xoxb-"),
    "google": ("maps_key = 'AIzaSyA1234567890abcdefghijklmnopqrstuv'", "AIzaSy"),
    "stripe": ('stripe.api_key = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"', "sk_live"),
    "password": ('db_password: "x9F!kq2LmZ7pQ@r4"', "x9F!kq2"),
    "client secret": ("CLIENT_SECRET=Zx81-aQ9_kLm2Pq7vR3tW", "Zx81"),
}


@pytest.mark.parametrize(("line", "secret"), LEAKY.values(), ids=LEAKY.keys())
def test_secret_values_are_redacted_and_the_code_around_them_kept(line: str, secret: str) -> None:
    redacted = redact_secrets(f"def f():\n    {line}\n    return 1\n")
    assert secret not in redacted
    assert REDACTED in redacted
    assert redacted.startswith("def f():\n    ") and redacted.endswith("\n    return 1\n")


CLEAN = [
    'tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")',
    'API_KEY = os.environ["API_KEY"]',
    'password = "hunter2"',
    'AUTH_URL = "https://auth.example.com/oauth2/v1/token"',
    'secret_name = "production_database_credentials"',
    'token_file = "/etc/app/tok3n_file_2024.txt"',
    "cache_key = f'{user_id}:{session_id}:{request_id}'",
    "task-runner-0123456789abcdefghijklmnopqrstuvwxyz",
    'headers = {"Authorization": f"Bearer {token}"}',
]


@pytest.mark.parametrize("line", CLEAN)
def test_ordinary_code_is_left_alone(line: str) -> None:
    assert redact_secrets(line) == line


def test_the_builder_never_reads_credential_files_and_redacts_tokens_in_code() -> None:
    app = Document(
        f"{ROOT}/src/app.py",
        'import openai\nOPENAI_KEY = "sk-proj-abcdefghij0123456789ABCDEFGHIJklm"\n'
        "def ask(q):\n    ",
        "python",
        3,
    )
    key_file = Document(f"{ROOT}/deploy/key.json", SERVICE_ACCOUNT, "json", 1)
    unsaved_env = Document("untitled:Untitled-2", "DB_PASSWORD=abc\n", "dotenv", 1)
    builder = ContextBuilder(workspace_root=ROOT, min_similarity=0.0)

    context = builder.build(app, len(app.text), [app, key_file, unsaved_env])

    assert context is not None
    prompt = context.prefix + "".join(s.text for s in context.snippets)
    assert "sk-proj" not in prompt and f'OPENAI_KEY = "{REDACTED}"' in context.prefix
    assert "private_key" not in prompt and "DB_PASSWORD" not in prompt
    assert builder.build(key_file, 10, [app]) is None
    assert builder.build(unsaved_env, 3, [app]) is None
