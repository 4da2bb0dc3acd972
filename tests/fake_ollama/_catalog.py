"""The registry's catalog: models the emulator can serve or pull, with realistic metadata.

Sizes follow the reference (section 7): ``codellama:7b`` (3,825,910,662 B) and
``tinyllama:latest`` (637,700,138 B, digest ``2644915ede35...``) are verified values; the other
sizes are GUESSES close to the ollama.com library listing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

from ._names import ModelName, parse_name
from ._templates import TEMPLATES, PromptTemplate

__all__ = [
    "ALIASES",
    "CATALOG",
    "DEFAULT_PULLED",
    "LIBRARY",
    "Layer",
    "ModelSpec",
    "resolve_catalog",
]

_LICENSES = {
    "llama": "LLAMA 2 COMMUNITY LICENSE AGREEMENT\nLlama 2 Version Release Date: July 18, 2023",
    "apache": "Apache License\nVersion 2.0, January 2004\nhttp://www.apache.org/licenses/",
    "deepseek": "DEEPSEEK LICENSE AGREEMENT\nVersion 1.0, 23 October 2023",
    "bigcode": "BigCode Open RAIL-M v1 License Agreement",
    "gemma": "Gemma Terms of Use\nLast modified: February 21, 2024",
}

# Bits per weight of each quantization (llama.cpp), used to size created models.
QUANT_BITS = {
    "F32": 32.0,
    "F16": 16.0,
    "BF16": 16.0,
    "Q8_0": 8.5,
    "Q6_K": 6.56,
    "Q5_K_M": 5.69,
    "Q4_K_M": 4.85,
    "Q4_K_S": 4.58,
    "Q4_0": 4.55,
}


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Layer:
    """One blob of a manifest."""

    media_type: str
    digest: str  # "sha256:<hex>"
    size: int


@dataclass(frozen=True)
class ModelSpec:
    """Everything the emulator knows about one model build (one manifest)."""

    repo: str
    tag: str
    family: str
    architecture: str
    parameter_size: str
    parameter_count: int
    quantization_level: str
    size: int
    context_length: int
    embedding_length: int
    block_count: int
    template_name: str
    license: str = "llama"
    extra_capabilities: tuple[str, ...] = ()
    system: str = ""
    parameters: tuple[tuple[str, str], ...] = ()
    digest: str = ""
    parent_model: str = ""

    def __post_init__(self) -> None:
        if not self.digest:
            object.__setattr__(self, "digest", _sha(f"manifest:{self.repo}:{self.tag}:{self.size}"))

    @property
    def template(self) -> PromptTemplate:
        return TEMPLATES[self.template_name]

    @property
    def license_text(self) -> str:
        return _LICENSES[self.license]

    @property
    def families(self) -> list[str]:
        return [self.family]

    @property
    def capabilities(self) -> list[str]:
        caps = [] if "embedding" in self.extra_capabilities else ["completion"]
        caps += [c for c in self.extra_capabilities if c != "insert"]
        if self.template.supports_insert:
            caps.append("insert")
        return caps

    @property
    def stop(self) -> list[str]:
        explicit = [v for k, v in self.parameters if k == "stop"]
        return explicit or list(self.template.stop)

    @property
    def layers(self) -> list[Layer]:
        """Model weights first, then the small text layers, as Ollama's manifests list them."""
        small = [
            ("application/vnd.ollama.image.license", _LICENSES[self.license]),
            ("application/vnd.ollama.image.template", self.template.go_template),
            ("application/vnd.ollama.image.params", self.parameters_text),
        ]
        if self.system:
            small.append(("application/vnd.ollama.image.system", self.system))
        texts = [Layer(kind, "sha256:" + _sha(text), len(text.encode())) for kind, text in small]
        config_size = 483
        model_size = self.size - sum(layer.size for layer in texts) - config_size
        weights = Layer(
            "application/vnd.ollama.image.model",
            "sha256:" + _sha(f"weights:{self.repo}:{self.quantization_level}:{self.size}"),
            model_size,
        )
        config = Layer(
            "application/vnd.docker.container.image.v1+json",
            "sha256:" + _sha(f"config:{self.digest}"),
            config_size,
        )
        return [weights, *texts, config]

    @property
    def parameters_text(self) -> str:
        """The ``parameters`` text of ``/api/show``: one ``key value`` per line, aligned."""
        pairs = list(self.parameters) or [("stop", s) for s in self.template.stop]
        return "\n".join(f'{k:<30} "{v}"' if k == "stop" else f"{k:<30} {v}" for k, v in pairs)

    def model_info(self) -> dict[str, object]:
        arch = self.architecture
        return {
            "general.architecture": arch,
            "general.file_type": _FILE_TYPES.get(self.quantization_level, 2),
            "general.parameter_count": self.parameter_count,
            "general.quantization_version": 2,
            f"{arch}.attention.head_count": max(1, self.embedding_length // 128),
            f"{arch}.block_count": self.block_count,
            f"{arch}.context_length": self.context_length,
            f"{arch}.embedding_length": self.embedding_length,
            "tokenizer.ggml.model": "llama" if arch == "llama" else "gpt2",
            "tokenizer.ggml.tokens": None,
            "tokenizer.ggml.token_type": None,
        }

    def memory_size(self, num_ctx: int) -> int:
        """Resident size once loaded: weights plus an f16 KV cache for ``num_ctx`` tokens."""
        kv_cache = 2 * self.block_count * num_ctx * self.embedding_length * 2
        return self.size + kv_cache

    def quantized(self, level: str, repo: str, tag: str) -> ModelSpec:
        """The model ``ollama create --quantize`` would make from this one."""
        factor = QUANT_BITS[level] / QUANT_BITS[self.quantization_level]
        return replace(
            self,
            repo=repo,
            tag=tag,
            quantization_level=level,
            size=int(self.size * factor),
            digest="",
            parent_model="",
        )


_FILE_TYPES: dict[str, int] = {
    "F32": 0, "F16": 1, "Q4_0": 2, "Q4_1": 3, "Q8_0": 7, "Q5_0": 8, "Q5_1": 9, "Q2_K": 10,
    "Q3_K_S": 11, "Q3_K_M": 12, "Q3_K_L": 13, "Q4_K_S": 14, "Q4_K_M": 15, "Q5_K_S": 16,
    "Q5_K_M": 17, "Q6_K": 18, "BF16": 32,
}  # fmt: skip
"""llama.cpp's `general.file_type` numbers (llama_ftype)."""


@dataclass(frozen=True)
class _Family:
    repo: str
    family: str
    architecture: str
    context_length: int
    license: str
    extra_capabilities: tuple[str, ...] = field(default=())


# (repo, size prefix of the tag) -> (parameter_size, parameter_count, embedding, blocks)
_SIZES: dict[tuple[str, str], tuple[str, int, int, int]] = {
    ("codellama", "7b"): ("7B", 6_738_546_688, 4096, 32),
    ("codellama", "13b"): ("13B", 13_016_028_160, 5120, 40),
    ("codellama", "34b"): ("34B", 33_743_970_304, 8192, 48),
    ("tinyllama", "1.1b"): ("1B", 1_100_048_384, 2048, 22),
    ("qwen2.5-coder", "1.5b"): ("1.5B", 1_543_714_304, 1536, 28),
    ("qwen2.5-coder", "3b"): ("3.1B", 3_085_938_688, 2048, 36),
    ("qwen2.5-coder", "7b"): ("7.6B", 7_615_616_512, 3584, 28),
    ("qwen2.5-coder", "14b"): ("14.8B", 14_770_033_664, 5120, 48),
    ("deepseek-coder", "1.3b"): ("1B", 1_346_471_936, 2048, 24),
    ("deepseek-coder", "6.7b"): ("7B", 6_740_512_768, 4096, 32),
    ("starcoder2", "3b"): ("3B", 3_030_371_328, 3072, 30),
    ("starcoder2", "7b"): ("7B", 7_173_923_840, 4608, 32),
    ("codegemma", "2b"): ("3B", 2_506_172_416, 2048, 18),
    ("codegemma", "7b"): ("9B", 8_537_680_896, 3072, 28),
    ("nomic-embed-text", "v1.5"): ("137M", 136_727_040, 768, 12),
}


def _spec(
    fam: _Family, tag: str, quant: str, size: int, template: str, digest: str = ""
) -> ModelSpec:
    parameter_size, parameter_count, embedding, blocks = _SIZES[fam.repo, tag.split("-")[0]]
    return ModelSpec(
        repo=fam.repo,
        tag=tag,
        family=fam.family,
        architecture=fam.architecture,
        parameter_size=parameter_size,
        parameter_count=parameter_count,
        quantization_level=quant,
        size=size,
        context_length=fam.context_length,
        embedding_length=embedding,
        block_count=blocks,
        template_name=template,
        license=fam.license,
        extra_capabilities=fam.extra_capabilities,
        digest=digest,
    )


_CODELLAMA = _Family("codellama", "llama", "llama", 16384, "llama")
_TINYLLAMA = _Family("tinyllama", "llama", "llama", 2048, "apache")
_QWEN = _Family("qwen2.5-coder", "qwen2", "qwen2", 32768, "apache", ("tools",))
_DEEPSEEK = _Family("deepseek-coder", "llama", "llama", 16384, "deepseek")
_STARCODER = _Family("starcoder2", "starcoder2", "starcoder2", 16384, "bigcode")
_CODEGEMMA = _Family("codegemma", "gemma", "gemma", 8192, "gemma")
_NOMIC = _Family("nomic-embed-text", "nomic-bert", "nomic-bert", 2048, "apache", ("embedding",))
_CL_CODE, _CL_INST = "codellama-code", "codellama-instruct"
# Verified manifest digests (reference section 7).
_CODELLAMA_7B = "8fdf8f752f6e80de33e82f381aba784c025982752cd1ae9377add66449d2225f"
_TINYLLAMA_Q4 = "2644915ede352ea7bdfaff0bfac0be74c719d5d5202acb63a6fb095b52f394a4"

CATALOG: tuple[ModelSpec, ...] = (
    _spec(_CODELLAMA, "7b-code-q4_0", "Q4_0", 3_825_910_638, _CL_CODE),
    _spec(_CODELLAMA, "7b-code-q4_K_M", "Q4_K_M", 4_081_009_376, _CL_CODE),
    _spec(_CODELLAMA, "7b-code-q8_0", "Q8_0", 7_161_090_714, _CL_CODE),
    _spec(_CODELLAMA, "7b-code-fp16", "F16", 13_478_116_480, _CL_CODE),
    _spec(_CODELLAMA, "7b-instruct-q4_0", "Q4_0", 3_825_910_662, _CL_INST, _CODELLAMA_7B),
    _spec(_CODELLAMA, "7b-instruct-q4_K_M", "Q4_K_M", 4_081_009_400, _CL_INST),
    _spec(_CODELLAMA, "7b-instruct-q8_0", "Q8_0", 7_161_090_738, _CL_INST),
    _spec(_CODELLAMA, "13b-code-q4_0", "Q4_0", 7_365_960_935, _CL_CODE),
    _spec(_CODELLAMA, "13b-code-q4_K_M", "Q4_K_M", 7_865_956_224, _CL_CODE),
    _spec(_CODELLAMA, "34b-instruct-q4_0", "Q4_0", 19_052_049_085, _CL_INST),
    # 34b code: no FIM in its template (docs/template.mdx).
    _spec(_CODELLAMA, "34b-code-q4_0", "Q4_0", 19_052_049_064, "codellama-plain"),
    _spec(_TINYLLAMA, "1.1b-chat-v1-q4_0", "Q4_0", 637_700_138, "zephyr", _TINYLLAMA_Q4),
    _spec(_TINYLLAMA, "1.1b-chat-v1-q8_0", "Q8_0", 1_169_805_600, "zephyr"),
    _spec(_TINYLLAMA, "1.1b-chat-v1-fp16", "F16", 2_200_119_584, "zephyr"),
    _spec(_QWEN, "1.5b-base-q4_K_M", "Q4_K_M", 986_060_000, "qwen-coder"),
    _spec(_QWEN, "1.5b-instruct-q4_K_M", "Q4_K_M", 986_061_892, "qwen-coder"),
    _spec(_QWEN, "7b-instruct-q4_K_M", "Q4_K_M", 4_683_087_332, "qwen-coder"),
    _spec(_DEEPSEEK, "1.3b-base-q4_0", "Q4_0", 776_080_839, "deepseek-coder"),
    _spec(_DEEPSEEK, "1.3b-instruct-q4_0", "Q4_0", 776_080_882, "deepseek-coder"),
    _spec(_DEEPSEEK, "6.7b-base-q4_0", "Q4_0", 3_827_834_503, "deepseek-coder"),
    _spec(_STARCODER, "3b-q4_0", "Q4_0", 1_706_410_008, "starcoder2"),
    _spec(_STARCODER, "7b-q4_0", "Q4_0", 4_031_546_590, "starcoder2"),
    _spec(_CODEGEMMA, "2b-code-q4_0", "Q4_0", 1_646_026_672, "codegemma"),
    _spec(_CODEGEMMA, "7b-code-q4_0", "Q4_0", 5_011_852_809, "codegemma"),
    _spec(_NOMIC, "v1.5", "F16", 274_302_450, "embedding"),
)

# GUESS: the library lists these levels of every size and variant below; sizes come from the
# parameter count and the level's bits per weight. The hand-written builds above win.
_LIBRARY_LEVELS = {"Q4_0": "q4_0", "Q4_K_S": "q4_K_S", "Q4_K_M": "q4_K_M", "Q5_K_M": "q5_K_M",
                   "Q6_K": "q6_K", "Q8_0": "q8_0", "F16": "fp16"}  # fmt: skip
_LIBRARY: tuple[tuple[_Family, str, str], ...] = (
    (_QWEN, "1.5b-base", "qwen-coder"),
    (_QWEN, "1.5b-instruct", "qwen-coder"),
    (_QWEN, "3b-base", "qwen-coder"),
    (_QWEN, "3b-instruct", "qwen-coder"),
    (_QWEN, "7b-base", "qwen-coder"),
    (_QWEN, "7b-instruct", "qwen-coder"),
    (_QWEN, "14b-base", "qwen-coder"),
    (_QWEN, "14b-instruct", "qwen-coder"),
    (_DEEPSEEK, "1.3b-base", "deepseek-coder"),
    (_DEEPSEEK, "1.3b-instruct", "deepseek-coder"),
    (_DEEPSEEK, "6.7b-base", "deepseek-coder"),
    (_DEEPSEEK, "6.7b-instruct", "deepseek-coder"),
    (_STARCODER, "3b", "starcoder2"),
    (_STARCODER, "7b", "starcoder2"),
    (_CODEGEMMA, "2b-code", "codegemma"),
    (_CODEGEMMA, "7b-code", "codegemma"),
    (_CODEGEMMA, "7b-instruct", "codegemma"),
    (_CODELLAMA, "7b-code", _CL_CODE),
    (_CODELLAMA, "7b-instruct", _CL_INST),
    (_CODELLAMA, "13b-code", _CL_CODE),
    (_CODELLAMA, "13b-instruct", _CL_INST),
    (_TINYLLAMA, "1.1b-chat-v1", "zephyr"),
)


def _library_builds() -> tuple[ModelSpec, ...]:
    written = {(s.repo, s.tag) for s in CATALOG}
    builds = []
    for fam, stem, template in _LIBRARY:
        parameter_count = _SIZES[fam.repo, stem.split("-")[0]][1]
        for level, suffix in _LIBRARY_LEVELS.items():
            tag = f"{stem}-{suffix}"
            if (fam.repo, tag) not in written:
                size = int(parameter_count * QUANT_BITS[level] / 8)
                builds.append(_spec(fam, tag, level, size, template))
    return tuple(builds)


LIBRARY: tuple[ModelSpec, ...] = CATALOG + _library_builds()
"""Every build the emulator's registry can pull: ``CATALOG`` and the generated levels."""

# Tags that name the same manifest as a fully spelled tag (the library's convention).
ALIASES: dict[str, str] = {
    "codellama:latest": "codellama:7b-instruct-q4_0",
    "codellama:7b": "codellama:7b-instruct-q4_0",
    "codellama:7b-instruct": "codellama:7b-instruct-q4_0",
    "codellama:instruct": "codellama:7b-instruct-q4_0",
    "codellama:code": "codellama:7b-code-q4_0",
    "codellama:7b-code": "codellama:7b-code-q4_0",
    "codellama:13b-code": "codellama:13b-code-q4_0",
    "codellama:34b": "codellama:34b-instruct-q4_0",
    "codellama:34b-instruct": "codellama:34b-instruct-q4_0",
    "codellama:34b-code": "codellama:34b-code-q4_0",
    "tinyllama:latest": "tinyllama:1.1b-chat-v1-q4_0",
    "tinyllama:1.1b": "tinyllama:1.1b-chat-v1-q4_0",
    "tinyllama:1.1b-chat": "tinyllama:1.1b-chat-v1-q4_0",
    "qwen2.5-coder:latest": "qwen2.5-coder:7b-instruct-q4_K_M",
    "qwen2.5-coder:7b": "qwen2.5-coder:7b-instruct-q4_K_M",
    "qwen2.5-coder:1.5b": "qwen2.5-coder:1.5b-instruct-q4_K_M",
    "qwen2.5-coder:1.5b-base": "qwen2.5-coder:1.5b-base-q4_K_M",
    "qwen2.5-coder:1.5b-instruct": "qwen2.5-coder:1.5b-instruct-q4_K_M",
    "qwen2.5-coder:3b": "qwen2.5-coder:3b-instruct-q4_K_M",
    "qwen2.5-coder:3b-base": "qwen2.5-coder:3b-base-q4_K_M",
    "qwen2.5-coder:7b-base": "qwen2.5-coder:7b-base-q4_K_M",
    "qwen2.5-coder:7b-instruct": "qwen2.5-coder:7b-instruct-q4_K_M",
    "qwen2.5-coder:14b": "qwen2.5-coder:14b-instruct-q4_K_M",
    "deepseek-coder:latest": "deepseek-coder:1.3b-instruct-q4_0",
    "deepseek-coder:1.3b": "deepseek-coder:1.3b-instruct-q4_0",
    "deepseek-coder:1.3b-base": "deepseek-coder:1.3b-base-q4_0",
    "deepseek-coder:6.7b-base": "deepseek-coder:6.7b-base-q4_0",
    "starcoder2:latest": "starcoder2:3b-q4_0",
    "starcoder2:3b": "starcoder2:3b-q4_0",
    "starcoder2:7b": "starcoder2:7b-q4_0",
    "codegemma:2b": "codegemma:2b-code-q4_0",
    "codegemma:2b-code": "codegemma:2b-code-q4_0",
    "codegemma:code": "codegemma:7b-code-q4_0",
    "codegemma:7b-code": "codegemma:7b-code-q4_0",
    "nomic-embed-text:latest": "nomic-embed-text:v1.5",
}

# Installed at start unless the configuration says otherwise.
DEFAULT_PULLED: tuple[str, ...] = (
    "codellama:7b-code",
    "codellama:7b-instruct",
    "tinyllama:latest",
    "tinyllama:1.1b-chat-v1-fp16",
    "qwen2.5-coder:1.5b-base",
    "deepseek-coder:1.3b-base",
    "starcoder2:3b",
    "codegemma:2b",
    "nomic-embed-text:latest",
)

_BY_KEY: dict[str, ModelSpec] = {f"{s.repo}:{s.tag}".lower(): s for s in LIBRARY}


def resolve_catalog(name: ModelName) -> ModelSpec | None:
    """The catalog build a library name (or alias) stands for, matched case-insensitively."""
    if not name.is_library:
        return None
    short = f"{name.model}:{name.tag}".lower()
    aliases = {k.lower(): v for k, v in ALIASES.items()}
    return _BY_KEY.get(aliases.get(short, short).lower())


def catalog_name(spec: ModelSpec) -> ModelName:
    parsed = parse_name(f"{spec.repo}:{spec.tag}")
    assert parsed is not None
    return parsed
