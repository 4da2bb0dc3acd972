--- What the statusline shows: the last `ollama/status` notification and running progress.
local format = require('ollama_lsp.format')

local M = {}

---@type table|nil last `ollama/status` params
M.current = nil
--- Running work-done progress by token: {title, message, percentage}.
---@type table<string|integer, table>
M.progress = {}
--- Tokens in the order they began, so the newest is shown.
---@type (string|integer)[]
local order = {}

--- Last message shown to the user, so an error is not repeated by status and showMessage.
M.last_notice = nil
--- Whether the server itself showed a message (window/showMessage) during this error episode.
M.server_spoke = false
--- How long an error status waits for the server's own message before giving its notice.
M.notice_delay_ms = 300

--- Every window's statusline shows the plugin's text: redraw them all, not only the current.
local function redraw()
  vim.schedule(function()
    vim.cmd('redrawstatus!')
  end)
end

--- Tell the user once per distinct message.
---@param msg string
---@param level integer
function M.notice(msg, level)
  if msg == M.last_notice then
    return
  end
  M.last_notice = msg
  vim.notify(msg, level, { title = 'ollama' })
end

--- Handler for the server's `ollama/status` notification.
---@param params table {state, model, message, tokensPerSecond}
function M.on_status(_, params, _)
  local previous = M.current
  M.current = params
  if params.state == 'error' and params.message then
    -- The server usually explains the failure with window/showMessage; speak only if it did not.
    vim.defer_fn(function()
      if not M.server_spoke and M.current == params then
        M.notice('ollama: ' .. params.message, vim.log.levels.WARN)
      end
    end, M.notice_delay_ms)
  elseif params.state ~= 'error' and previous and previous.state == 'error' then
    M.last_notice = nil
    M.server_spoke = false
  end
  vim.api.nvim_exec_autocmds('User', { pattern = 'OllamaStatus', modeline = false, data = params })
  redraw()
end

--- Record one `$/progress` value; returns 'begin'|'end'|'report'.
---@param token string|integer
---@param value table
---@return string|nil kind
function M.on_progress(token, value)
  if type(value) ~= 'table' then
    return nil
  end
  local kind = value.kind
  if kind == 'begin' then
    M.progress[token] = { title = value.title, message = value.message, percentage = value.percentage }
    table.insert(order, token)
  elseif kind == 'report' and M.progress[token] then
    local p = M.progress[token]
    p.message = value.message or p.message
    p.percentage = value.percentage or p.percentage
  elseif kind == 'end' then
    M.progress[token] = nil
    for i, t in ipairs(order) do
      if t == token then
        table.remove(order, i)
        break
      end
    end
  end
  redraw()
  return kind
end

--- The newest running progress, if any.
---@return table|nil
function M.running()
  local token = order[#order]
  return token and M.progress[token] or nil
end

--- Statusline component: model and state, or the running pull/load with its percentage.
---@return string
function M.statusline()
  return format.statusline(M.current, M.running(), require('ollama_lsp.inline').enabled)
end

--- Redraw every statusline (after `:Ollama toggle`).
M.redraw = redraw

--- Forget everything (the server stopped).
function M.reset()
  M.current = nil
  M.progress = {}
  order = {}
  redraw()
end

return M
