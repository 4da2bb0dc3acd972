--- ollama-lsp for Neovim: starts the server, turns on inline completion, adds :Ollama.
local chat = require('ollama_lsp.chat')
local client = require('ollama_lsp.client')
local commands = require('ollama_lsp.commands')
local config = require('ollama_lsp.config')
local progress = require('ollama_lsp.progress')
local status = require('ollama_lsp.status')

local M = {}

--- Whether this Neovim has LSP inline completion (0.12+).
---@return boolean
function M.has_inline_completion()
  return vim.lsp.inline_completion ~= nil
end

--- Buffer-local keys for inline suggestions; the accept key falls back to itself.
---@param bufnr integer
---@param keymaps ollama_lsp.Keymaps
local function map_inline_keys(bufnr, keymaps)
  if keymaps.accept then
    vim.keymap.set('i', keymaps.accept, function()
      if not vim.lsp.inline_completion.get({ bufnr = bufnr }) then
        return keymaps.accept
      end
    end, { buffer = bufnr, expr = true, replace_keycodes = true, desc = 'ollama: accept the suggestion' })
  end
  if keymaps.next then
    vim.keymap.set('i', keymaps.next, function()
      vim.lsp.inline_completion.select({ bufnr = bufnr, count = 1 })
    end, { buffer = bufnr, desc = 'ollama: next suggestion' })
  end
  if keymaps.prev then
    vim.keymap.set('i', keymaps.prev, function()
      vim.lsp.inline_completion.select({ bufnr = bufnr, count = -1 })
    end, { buffer = bufnr, desc = 'ollama: previous suggestion' })
  end
end

---@param lsp_client vim.lsp.Client
---@param bufnr integer
local function on_attach(lsp_client, bufnr)
  local opts = config.options
  if opts.inline and M.has_inline_completion() then
    vim.lsp.inline_completion.enable(true, { bufnr = bufnr })
    map_inline_keys(bufnr, opts.keymaps)
  elseif vim.lsp.completion and vim.lsp.completion.enable then
    -- Older Neovim (or inline = false): the same suggestion as a completion-menu item.
    vim.lsp.completion.enable(true, lsp_client.id, bufnr, { autotrigger = true })
  end
end

--- Remember that the server explained itself, so `ollama/status` does not repeat it.
local function show_message(err, params, ctx)
  status.server_spoke = true
  return vim.lsp.handlers['window/showMessage'](err, params, ctx)
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
    handlers = {
      ['ollama/status'] = status.on_status,
      ['ollama/chatDelta'] = chat.on_delta,
      ['window/showMessage'] = show_message,
    },
    on_attach = on_attach,
    on_exit = function()
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
  progress.setup(client.name)
  commands.create()
end

--- Statusline component: "ollama: <model> [<state>]", or the running pull/load.
---@return string
function M.statusline()
  return status.statusline()
end

return M
