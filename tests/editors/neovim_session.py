"""A headless Neovim with the plugin, talking to the real server, driven over RPC (pynvim).

The init file records every ``vim.notify`` message and the statusline at every LspProgress
event in globals the tests read back, so assertions see what a user would see.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pynvim  # type: ignore[import-untyped]

from tests.editors.nvim_binary import find_nvim

PLUGIN = Path(__file__).resolve().parents[2] / "editors" / "neovim"
T = TypeVar("T")
NVIM, WHY_NOT = find_nvim()
MODEL = "qwen2.5-coder:1.5b-base"
# Nothing listens here: the server must use the endpoint from the settings.
UNREACHABLE = "http://127.0.0.1:9"


def settings(url: str, **more: Any) -> dict[str, Any]:
    """The server settings of a test: this endpoint, the default completion model."""
    return {"endpoints": [url], "completion": {"model": MODEL}, **more}


INIT = """
vim.opt.rtp:prepend({plugin})
vim.o.swapfile = false
_G.test_notes = {{}}
_G.test_statuslines = {{}}
_G.test_statuses = {{}}
vim.notify = function(msg, level)
  table.insert(_G.test_notes, msg)
end
_G.test_requests = {{}}
require('ollama_lsp').setup(vim.tbl_deep_extend('force', {{
  cmd = {cmd},
  settings = vim.json.decode({settings}),
}}, vim.json.decode({options})))
vim.o.laststatus = 2
vim.o.statusline = "%f %m%=%{{v:lua.require'ollama_lsp'.statusline()}} "
-- Every request the plugin sends, with its document and trigger kind.
vim.api.nvim_create_autocmd('LspAttach', {{
  callback = function(ev)
    local client = vim.lsp.get_client_by_id(ev.data.client_id)
    if not client or client.name ~= 'ollama_lsp' or client.test_recorded then
      return
    end
    client.test_recorded = true
    local request = client.request
    client.request = function(self, method, params, ...)
      local doc = type(params) == 'table' and params.textDocument or {{}}
      local context = type(params) == 'table' and params.context or {{}}
      local seen = {{ method = method, uri = doc.uri, trigger = context.triggerKind }}
      table.insert(_G.test_requests, seen)
      return request(self, method, params, ...)
    end
  end,
}})
vim.api.nvim_create_autocmd('User', {{
  pattern = 'OllamaStatus',
  callback = function(ev)
    table.insert(_G.test_statuses, ev.data)
  end,
}})
vim.api.nvim_create_autocmd('LspProgress', {{
  callback = function()
    table.insert(_G.test_statuslines, require('ollama_lsp').statusline())
  end,
}})
"""


def write_init(path: Path, settings: dict[str, Any], options: dict[str, Any] | None = None) -> Path:
    """An init.lua that loads the plugin with ``settings`` (and other setup ``options``) and
    the server of this checkout."""
    cmd = [sys.executable, "-m", "ollama_lsp"]
    path.write_text(
        INIT.format(
            plugin=json.dumps(str(PLUGIN)),
            cmd="{" + ", ".join(json.dumps(c) for c in cmd) + "}",
            settings=json.dumps(json.dumps(settings)),
            options=json.dumps(json.dumps(options or {})),
        )
    )
    return path


def wait_for(check: Callable[[], T | None], what: str, timeout: float = 30.0) -> T:
    """Poll ``check`` until it returns something truthy; fail saying ``what`` was awaited."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


class NeovimSession:
    """The parts of Neovim the tests read and drive."""

    def __init__(self, nvim: pynvim.Nvim) -> None:
        self.nvim = nvim

    def lua(self, code: str, *args: Any) -> Any:
        return self.nvim.exec_lua(code, *args)

    def notes(self) -> list[str]:
        return list(self.lua("return _G.test_notes"))

    def statuslines(self) -> list[str]:
        return list(self.lua("return _G.test_statuslines"))

    def statuses(self) -> list[dict[str, Any]]:
        """Every ``ollama/status`` the plugin received, in order."""
        return list(self.lua("return _G.test_statuses"))

    def statusline(self) -> str:
        return str(self.lua("return require('ollama_lsp').statusline()"))

    def lines(self) -> list[str]:
        return list(self.nvim.current.buffer[:])

    def attached(self) -> bool:
        return bool(
            self.lua("return #vim.lsp.get_clients({ bufnr = 0, name = 'ollama_lsp' }) == 1")
        )

    def ghost_text(self) -> str | None:
        """The inline suggestion shown in the current buffer, as Neovim draws it."""
        text = self.lua(
            """
            local ns = vim.api.nvim_get_namespaces()['nvim.lsp.inline_completion']
            if not ns then return nil end
            local marks = vim.api.nvim_buf_get_extmarks(0, ns, 0, -1, { details = true })
            if #marks == 0 then return nil end
            local parts = {}
            for _, chunk in ipairs(marks[1][4].virt_text or {}) do table.insert(parts, chunk[1]) end
            for _, line in ipairs(marks[1][4].virt_lines or {}) do
              table.insert(parts, '\\n')
              for _, chunk in ipairs(line) do table.insert(parts, chunk[1]) end
            end
            return table.concat(parts)
            """
        )
        return str(text) if text else None

    def requests(self, method: str = "textDocument/inlineCompletion") -> list[dict[str, Any]]:
        """The plugin's requests of ``method``: ``{method, uri, trigger}`` each."""
        return [r for r in self.lua("return _G.test_requests") if r["method"] == method]

    def notified(self, needle: str) -> str | None:
        return next((n for n in self.notes() if needle in n), None)


def start(nvim_binary: str, init: Path) -> NeovimSession:
    nvim = pynvim.attach(
        "child", argv=[nvim_binary, "--embed", "--headless", "-u", str(init), "-i", "NONE"]
    )
    return NeovimSession(nvim)
