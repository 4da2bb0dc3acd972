"""``python -m tests.fake_ollama --port 0 [--config FILE]``: serve until killed.

Prints the base URL on one line (flushed) once the socket listens.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from ._config import EmulatorConfig
from ._faults import Fault
from ._scripted import Rule
from ._server import FakeOllama


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fake_ollama", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=11434, help="0 picks a free port")
    parser.add_argument("--config", type=Path, help="JSON: config keys, plus rules and faults")
    args = parser.parse_args(argv)
    config = EmulatorConfig.from_file(args.config) if args.config else EmulatorConfig()
    fake = FakeOllama(config, host=args.host, port=args.port)
    if args.config:
        extra = json.loads(args.config.read_text(encoding="utf-8"))
        for rule in extra.get("rules", []):
            fake.add_rule(Rule.from_json(rule))
        for fault in extra.get("faults", []):
            fake.add_fault(Fault(**fault))
    fake.start()
    print(fake.url, flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
