"""Which files may never reach a prompt, and how a URI becomes a workspace-relative path.

Globs follow gitignore habits: a pattern without ``/`` matches a file or directory name at any
depth (everything below a matching directory is excluded too); a pattern with ``/`` matches a run
of path components at any depth; ``**`` spans directories. Matching ignores case, because a
secret must stay out on case-insensitive file systems too.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

__all__ = ["DEFAULT_DENY_GLOBS", "is_excluded", "path_from_uri", "relative_path"]

DEFAULT_DENY_GLOBS: tuple[str, ...] = (
    ".env",
    ".env.*",
    "*.env",
    ".envrc",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "*.kdbx",
    "*.tfstate",
    "*.tfstate.*",
    "*.tfvars",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    "credentials*",
    "secrets.*",
    ".netrc",
    "_netrc",
    ".npmrc",
    ".pypirc",
    ".pgpass",
    ".git-credentials",
    ".htpasswd",
    ".aws/credentials",
    ".aws/config",
    ".ssh/*",
    ".gnupg/*",
    ".docker/config.json",
    ".kube/config",
)


def path_from_uri(uri: str) -> str:
    """The file-system path of a ``file:`` URI with ``/`` separators; other URIs keep their path."""
    if "://" not in uri and not uri.startswith(("file:", "untitled:")):
        return uri.replace("\\", "/")
    parts = urlsplit(uri)
    path = unquote(parts.path)
    if re.match(r"^/[A-Za-z]:", path):  # file:///c:/x -> c:/x
        path = path[1:]
    return path.replace("\\", "/")


def relative_path(uri: str, workspace_root: str | None) -> str:
    """``uri`` relative to the workspace root, or its file name when it lies outside."""
    path = path_from_uri(uri)
    if workspace_root:
        root = path_from_uri(workspace_root).rstrip("/") + "/"
        if path.lower().startswith(root.lower()):
            return path[len(root) :]
    return path.rsplit("/", 1)[-1] or path


def is_excluded(path: str, exclude_globs: Iterable[str] = ()) -> bool:
    """True when ``path`` (a path or URI) matches the secrets deny-list or a user glob."""
    return _is_excluded(path, tuple(exclude_globs))


@functools.lru_cache(maxsize=4096)
def _is_excluded(path: str, exclude_globs: tuple[str, ...]) -> bool:
    normalized = path_from_uri(path).strip("/")
    return _compile((*DEFAULT_DENY_GLOBS, *exclude_globs)).search(normalized) is not None


@functools.lru_cache(maxsize=32)
def _compile(globs: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = [_glob_to_regex(glob) for glob in globs if glob.strip("/ ")]
    if not alternatives:
        return re.compile(r"(?!)")
    return re.compile("|".join(alternatives), re.IGNORECASE)


def _glob_to_regex(glob: str) -> str:
    glob = glob.strip().replace("\\", "/").lstrip("/")
    body = _translate(glob.rstrip("/"))
    # Anchored at a path-component boundary; a match may be a directory with anything below it.
    return rf"(?:^|/)(?:{body})(?:/.*)?$"


def _translate(glob: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(glob):
        char = glob[i]
        if glob.startswith("**/", i):
            out.append(r"(?:[^/]*/)*")
            i += 3
            continue
        if glob.startswith("**", i):
            out.append(r".*")
            i += 2
            continue
        if char == "*":
            out.append(r"[^/]*")
        elif char == "?":
            out.append(r"[^/]")
        elif char == "[" and (end := glob.find("]", i + 2)) > 0:
            inner = glob[i + 1 : end].replace("\\", "\\\\")
            out.append("[^" + inner[1:] + "]" if inner.startswith("!") else "[" + inner + "]")
            i = end + 1
            continue
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)
