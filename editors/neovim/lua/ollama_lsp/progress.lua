--- Pull and load progress: follows LspProgress for the ollama-lsp client only. The statusline
--- shows the running task; the command line shows it too, updated in place and kept out of the
--- message history, so an action ends with one message: the server's own.
local config = require('ollama_lsp.config')
local status = require('ollama_lsp.status')

local M = {}

local group = vim.api.nvim_create_augroup('ollama_lsp.progress', { clear = true })
--- Message id of each running task's line, so a report replaces it.
---@type table<string|integer, integer|string>
local lines = {}

--- Show one task's line on the command line, in place of its previous one.
---@param token string|integer
---@param text string
---@param state 'running'|'success'
---@param percent integer|nil
local function echo(token, text, state, percent)
  local width = math.max(20, vim.o.columns - 12)
  if vim.fn.strdisplaywidth(text) > width then
    text = vim.fn.strcharpart(text, 0, width - 1) .. '…'
  end
  local opts = { kind = 'progress', title = 'ollama', status = state, percent = percent, id = lines[token] }
  local ok, id = pcall(vim.api.nvim_echo, { { text } }, false, opts)
  if not ok then -- a Neovim without progress messages
    ok, id = pcall(vim.api.nvim_echo, { { text } }, false, {})
  end
  lines[token] = state == 'running' and ok and id ~= -1 and id or nil
end

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
      local token, value = ev.data.params.token, ev.data.params.value
      local running = status.progress[token]
      local title = running and running.title or (type(value) == 'table' and value.title) or 'ollama'
      local kind = status.on_progress(token, value)
      if not config.options.notify_progress or kind == nil then
        return
      end
      if kind == 'end' then
        echo(token, '', 'success', 100)
        return
      end
      local task = status.progress[token] or {}
      local text = ('ollama: %s'):format(title)
      if task.percentage then
        text = text .. (' %d%%'):format(task.percentage)
      end
      if task.message and task.message ~= '' then
        text = text .. ' ' .. task.message
      end
      echo(token, text, 'running', task.percentage)
    end,
  })
end

return M
