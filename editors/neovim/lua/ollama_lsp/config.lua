--- Options of require("ollama_lsp").setup(), with their defaults.
local M = {}

---@class ollama_lsp.Keymaps
---@field accept string|false Insert-mode key that accepts the suggestion (after jumping an active snippet; else the key's own mapping).
---@field accept_word string|false Accept the next word of the suggestion.
---@field accept_line string|false Accept the rest of the suggestion's current line.
---@field next string|false Show the next suggestion (with one shown, ask for up to three choices).
---@field prev string|false Show the previous suggestion (likewise).
---@field trigger string|false Ask for a suggestion now (the next key then brings its other choices).
---@field jump_edit string|false Normal-mode key: jump to the next edit, and accept it once there (insert-mode Tab does the same when no ghost text shows).
---@field accept_edit string|false Accept the next edit from anywhere (normal and insert mode).

---@class ollama_lsp.Options
---@field cmd string[]|fun(dispatchers: table): table Command that starts the server (stdio), or an in-process RPC client.
---@field filetypes string[]|nil File types to attach to; nil means every file type.
---@field root_markers string[] Files that mark a project root.
---@field settings table The `ollama` settings section (see docs/configuration.md).
---@field inline boolean Use LSP inline completion (Neovim 0.12+); false uses the completion menu.
---@field suggest_filetypes table<string, boolean> Suggestions per file type; `['*']` is the rest.
---@field keymaps ollama_lsp.Keymaps
---@field notify_progress boolean Announce each pull or load as it starts (the statusline shows it anyway).
---@field chat { open: string } Command that opens the chat window (e.g. "vsplit", "split", "tabnew").

---@type ollama_lsp.Options
M.defaults = {
  cmd = { 'ollama-lsp' },
  filetypes = nil,
  root_markers = { '.git' },
  settings = {},
  inline = true,
  -- Prose and scratch buffers get no suggestions unless turned on here (as copilot.lua does).
  suggest_filetypes = {
    ['*'] = true,
    text = false,
    markdown = false,
    gitcommit = false,
    gitrebase = false,
    help = false,
  },
  keymaps = {
    accept = '<Tab>',
    accept_word = '<M-Right>',
    accept_line = '<M-C-Right>',
    next = '<M-]>',
    prev = '<M-[>',
    trigger = '<M-\\>',
    jump_edit = '<Tab>',
    accept_edit = '<M-y>',
  },
  notify_progress = false,
  chat = { open = 'rightbelow vsplit' },
}

---@type ollama_lsp.Options
M.options = vim.deepcopy(M.defaults)

--- Merge user options over the defaults; lists are replaced, tables merged.
---@param opts table|nil
---@return ollama_lsp.Options
function M.resolve(opts)
  vim.validate('opts', opts, 'table', true)
  opts = opts or {}
  local merged = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts)
  for _, list in ipairs({ 'cmd', 'filetypes', 'root_markers' }) do
    if opts[list] ~= nil then
      merged[list] = opts[list]
    end
  end
  vim.validate('cmd', merged.cmd, { 'table', 'function' })
  vim.validate('settings', merged.settings, 'table')
  vim.validate('suggest_filetypes', merged.suggest_filetypes, 'table')
  M.options = merged
  return merged
end

return M
