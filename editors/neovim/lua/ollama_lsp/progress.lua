--- Pull and load progress: follows LspProgress for the ollama-lsp client only.
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
      local params = ev.data.params
      local value = params.value
      local kind = status.on_progress(params.token, value)
      if not require('ollama_lsp.config').options.notify_progress then
        return
      end
      if kind == 'begin' then
        vim.notify(('ollama: %s…'):format(value.title), vim.log.levels.INFO, { title = 'ollama' })
      elseif kind == 'end' then
        local text = value.message and value.message ~= '' and value.message or 'done'
        vim.notify(('ollama: %s: %s'):format(value.title or 'task', text), vim.log.levels.INFO, { title = 'ollama' })
      end
    end,
  })
end

return M
