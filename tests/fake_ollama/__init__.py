"""An Ollama API emulator on a real socket, for end-to-end tests, benchmarks and the demo.

In-process: ``with FakeOllama() as fake: ...`` (or the ``fake_ollama`` pytest fixture).
Subprocess: ``python -m tests.fake_ollama --port 0`` prints its URL; configure it through
``/_fake/...`` (see docs/emulator.md) or :class:`FakeOllamaProcess`.
"""

from ._catalog import ALIASES, CATALOG, ModelSpec
from ._config import GIB, EmulatorConfig
from ._edit_region import EditRegion, parse_edit_region
from ._faults import Fault
from ._fim import FimParts, parse_fim
from ._generation import GenerationRequest
from ._process import FakeOllamaProcess
from ._real_model import real_model_missing
from ._recording import Counters, RecordedRequest
from ._scripted import Rule
from ._server import FakeOllama

__all__ = [
    "ALIASES",
    "CATALOG",
    "GIB",
    "Counters",
    "EditRegion",
    "EmulatorConfig",
    "FakeOllama",
    "FakeOllamaProcess",
    "Fault",
    "FimParts",
    "GenerationRequest",
    "ModelSpec",
    "RecordedRequest",
    "Rule",
    "parse_edit_region",
    "parse_fim",
    "real_model_missing",
]
