--- Options of require("ollama_lsp").setup(), with their defaults.
local M = {}

---@class ollama_lsp.Keymaps
---@field accept string|false Insert-mode key that accepts the inline suggestion (falls back to the key itself).
---@field next string|false Show the next suggestion.
---@field prev string|false Show the previous suggestion.

---@class ollama_lsp.Options
---@field cmd string[]|fun(dispatchers: table): table Command that starts the server (stdio), or an in-process RPC client.
---@field filetypes string[]|nil File types to attach to; nil means every file type.
---@field root_markers string[] Files that mark a project root.
---@field settings table The `ollama` settings section (see docs/configuration.md).
---@field inline boolean Use LSP inline completion (Neovim 0.12+); false uses the completion menu.
---@field keymaps ollama_lsp.Keymaps
---@field notify_progress boolean vim.notify when a pull or load starts and ends.
---@field chat { open: string } Command that opens the chat window (e.g. "vsplit", "split", "tabnew").

---@type ollama_lsp.Options
M.defaults = {
  cmd = { 'ollama-lsp' },
  filetypes = nil,
  root_markers = { '.git' },
  settings = {},
  inline = true,
  keymaps = { accept = '<Tab>', next = '<M-]>', prev = '<M-[>' },
  notify_progress = true,
  chat = { open = 'vsplit' },
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
  M.options = merged
  return merged
end

return M
