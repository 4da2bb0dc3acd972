--- Pull and load progress: follows LspProgress for the ollama-lsp client only. The statusline
--- shows the running task and its percentage; the server's own message says how it ended, so
--- an action gives one message. `notify_progress = true` also announces each start.
local config = require('ollama_lsp.config')
local status = require('ollama_lsp.status')

local M = {}

local group = vim.api.nvim_create_augroup('ollama_lsp.progress', { clear = true })

---@param client_name string
function M.setup(client_name)
  vim.api.nvim_clear_autocmds({ group = group })
  vim.api.nvim_create_autocmd('LspProgress', {
    group = group,
    callback = function(ev)
      local client = vim.lsp.get_client_by_id(ev.data.client_id)
      if not client or client.name ~= client_name then
        return
      end
      local value = ev.data.params.value
      local kind = status.on_progress(ev.data.params.token, value)
      if kind == 'begin' and config.options.notify_progress then
        vim.notify(('ollama: %s…'):format(value.title), vim.log.levels.INFO, { title = 'ollama' })
      end
    end,
  })
end

return M
