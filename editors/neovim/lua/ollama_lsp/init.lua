--- ollama-lsp for Neovim: starts the server, turns on inline completion, adds :Ollama.
local chat = require('ollama_lsp.chat')
local client = require('ollama_lsp.client')
local commands = require('ollama_lsp.commands')
local config = require('ollama_lsp.config')
local inline = require('ollama_lsp.inline')
local next_edit = require('ollama_lsp.next_edit')
local progress = require('ollama_lsp.progress')
local status = require('ollama_lsp.status')

local M = {}

--- Whether this Neovim has LSP inline completion (0.12+).
---@return boolean
function M.has_inline_completion()
  return inline.available()
end

--- Clients whose model list was loaded (once each, for command-line completion).
---@type table<integer, true>
local listed = {}

--- `ollama/status`: the statusline, and the model list once the server first reaches Ollama
--- (asking earlier would only repeat the server's "Ollama is not running").
local function on_status(err, params, ctx)
  status.on_status(err, params, ctx)
  if (params.state == 'idle' or params.state == 'generating') and not listed[ctx.client_id] then
    listed[ctx.client_id] = true
    commands.refresh()
  end
end

---@param lsp_client vim.lsp.Client
---@param bufnr integer
local function on_attach(lsp_client, bufnr)
  next_edit.attach(bufnr)
  require('ollama_lsp.cursor').attach(lsp_client, bufnr)
  if config.options.inline and inline.available() then
    inline.attach(bufnr)
  elseif vim.lsp.completion and vim.lsp.completion.enable then
    -- Older Neovim (or inline = false): the same suggestion as a completion-menu item.
    vim.lsp.completion.enable(true, lsp_client.id, bufnr, { autotrigger = true })
  end
end

--- The `vim.lsp.config` table for the server.
---@param opts ollama_lsp.Options
---@return vim.lsp.Config
function M.lsp_config(opts)
  return {
    cmd = opts.cmd,
    filetypes = opts.filetypes,
    root_markers = opts.root_markers,
    settings = { ollama = opts.settings },
    init_options = { ollama = opts.settings },
    -- The next key asks again for the choices: the first of an invoked request comes alone.
    capabilities = { experimental = { ollama = { asksAgainForChoices = true } } },
    handlers = {
      ['ollama/status'] = on_status,
      ['ollama/chatDelta'] = chat.on_delta,
      ['window/showMessage'] = client.show_message,
    },
    on_attach = on_attach,
    on_exit = function(_, _, client_id)
      listed[client_id] = nil
      vim.schedule(status.reset)
    end,
  }
end

--- Configure and enable the server, the :Ollama command and progress reporting.
---@param opts table|nil see |ollama-lsp-options|
function M.setup(opts)
  if vim.fn.has('nvim-0.11') == 0 then
    vim.notify('ollama-lsp needs Neovim 0.11 or newer', vim.log.levels.ERROR)
    return
  end
  local resolved = config.resolve(opts)
  vim.lsp.config(client.name, M.lsp_config(resolved))
  vim.lsp.enable(client.name)
  inline.setup()
  next_edit.setup()
  progress.setup(client.name)
  commands.create()
end

--- Statusline component: "ollama: <model> [<state> <speed>]", or the running pull/load.
---@return string
function M.statusline()
  return status.statusline()
end

return M
