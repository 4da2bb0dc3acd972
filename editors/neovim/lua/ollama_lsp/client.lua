--- Finding the running ollama-lsp client and calling its `ollama.*` commands.
local M = {}

M.name = 'ollama_lsp'

--- The server's last `window/showMessage` text: a failed command is shown by the server, so
--- the same text in the request's error is not shown a second time.
---@type string|nil
M.last_message = nil

---@return vim.lsp.Client|nil
function M.get()
  return vim.lsp.get_clients({ name = M.name })[1]
end

--- Handler for `window/showMessage`: one notice, in the plugin's voice.
function M.show_message(_, params, _)
  M.last_message = params.message
  local levels = { vim.log.levels.ERROR, vim.log.levels.WARN, vim.log.levels.INFO, vim.log.levels.DEBUG }
  vim.notify('ollama: ' .. params.message, levels[params.type] or vim.log.levels.INFO, { title = 'ollama' })
  require('ollama_lsp.status').server_spoke = true
  return vim.NIL
end

--- Run `workspace/executeCommand` and call `on_result(result)`; an error is shown to the user
--- unless the server already showed it.
---@param command string e.g. "ollama.listModels"
---@param argument table|nil the single argument object
---@param on_result fun(result: table)|nil
---@param on_error fun(message: string)|nil
---@return integer|nil request id (for cancel_request), nil when not sent
function M.execute(command, argument, on_result, on_error)
  local client = M.get()
  if not client then
    local msg = 'ollama-lsp is not running: open a file it handles, or see :checkhealth ollama_lsp'
    vim.notify(msg, vim.log.levels.ERROR, { title = 'ollama' })
    if on_error then
      on_error(msg)
    end
    return nil
  end
  -- Always one argument object (docs/protocol.md): `{}` for the commands that need none.
  local params = { command = command, arguments = { argument or vim.empty_dict() } }
  local _, id = client:request('workspace/executeCommand', params, function(err, result)
    if err then
      local msg = err.message or tostring(err)
      if msg ~= M.last_message and err.code ~= vim.lsp.protocol.ErrorCodes.RequestCancelled then
        vim.notify('ollama: ' .. msg, vim.log.levels.ERROR, { title = 'ollama' })
      end
      if on_error then
        on_error(msg)
      end
      return
    end
    if on_result then
      on_result(result or {})
    end
  end)
  return id
end

return M
