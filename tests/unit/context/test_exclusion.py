import pytest

from ollama_lsp.context import is_excluded, path_from_uri, relative_path


@pytest.mark.parametrize(
    "path",
    [
        "file:///home/u/proj/.env",
        "file:///home/u/proj/.env.production",
        "/home/u/proj/config/prod.env",
        "/home/u/proj/certs/server.pem",
        "/home/u/proj/tls/private.KEY",
        "/home/u/.ssh/id_rsa",
        "/home/u/.ssh/id_ed25519.pub",
        "/home/u/.ssh/config",
        "/home/u/.aws/credentials",
        "/home/u/proj/credentials.json",
        "/home/u/.netrc",
        "/home/u/proj/.npmrc",
        "/home/u/.pypirc",
        "/home/u/proj/secrets.yaml",
        "/home/u/vault.kdbx",
        "/home/u/proj/cert.p12",
        "C:\\Users\\u\\proj\\.env",
        "file:///c%3A/Users/u/proj/.env.local",
        "/home/u/proj/.env/inside/dir.txt",
    ],
)
def test_secrets_are_excluded_by_default(path: str) -> None:
    assert is_excluded(path)


@pytest.mark.parametrize(
    "path",
    [
        "file:///home/u/proj/src/app.py",
        "/home/u/proj/environment.py",
        "/home/u/proj/src/keyboard.ts",
        "/home/u/proj/README.md",
        "/home/u/proj/src/envelope.js",
    ],
)
def test_ordinary_files_are_not_excluded(path: str) -> None:
    assert not is_excluded(path)


@pytest.mark.parametrize(
    ("path", "globs", "expected"),
    [
        ("/p/src/generated/api.py", ["generated/"], True),
        ("/p/src/generated/api.py", ["**/generated/**"], True),
        ("/p/src/app.min.js", ["*.min.js"], True),
        ("/p/src/app.js", ["*.min.js"], False),
        ("/p/vendor/lib/x.go", ["vendor"], True),
        ("/p/src/vendored.go", ["vendor"], False),
        ("/p/data/file1.csv", ["data/file?.csv"], True),
        ("/p/data/file10.csv", ["data/file?.csv"], False),
        ("/p/a/b.txt", ["[ab]/b.txt"], True),
        ("/p/c/b.txt", ["[!ab]/b.txt"], True),
        ("/p/a/b.txt", [""], False),
    ],
)
def test_user_globs(path: str, globs: list[str], expected: bool) -> None:
    assert is_excluded(path, globs) is expected


@pytest.mark.parametrize(
    ("uri", "root", "expected"),
    [
        ("file:///home/u/proj/src/app.py", "/home/u/proj", "src/app.py"),
        ("file:///home/u/proj/src/app.py", "file:///home/u/proj/", "src/app.py"),
        ("file:///home/u/proj/my%20file.py", "/home/u/proj", "my file.py"),
        ("file:///elsewhere/x.py", "/home/u/proj", "x.py"),
        ("file:///c%3A/work/a.py", "file:///c%3A/work", "a.py"),
        ("untitled:Untitled-1", None, "Untitled-1"),
    ],
)
def test_relative_path(uri: str, root: str | None, expected: str) -> None:
    assert relative_path(uri, root) == expected


def test_path_from_windows_uri() -> None:
    assert path_from_uri("file:///c%3A/Users/u/a.py") == "c:/Users/u/a.py"
