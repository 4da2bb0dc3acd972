--- Finding the running ollama-lsp client and calling its `ollama.*` commands.
local M = {}

M.name = 'ollama_lsp'

---@return vim.lsp.Client|nil
function M.get()
  return vim.lsp.get_clients({ name = M.name })[1]
end

--- Run `workspace/executeCommand` and call `on_result(result)`; errors are shown to the user
--- (the server's error message is already user-facing).
---@param command string e.g. "ollama.listModels"
---@param argument table|nil the single argument object
---@param on_result fun(result: table)|nil
---@param on_error fun(message: string)|nil
---@return boolean sent
function M.execute(command, argument, on_result, on_error)
  local client = M.get()
  if not client then
    local msg = 'ollama-lsp is not running: open a file it handles, or see :checkhealth ollama_lsp'
    vim.notify(msg, vim.log.levels.ERROR, { title = 'ollama' })
    if on_error then
      on_error(msg)
    end
    return false
  end
  -- Always one argument object (docs/protocol.md): `{}` for the commands that need none.
  local params = { command = command, arguments = { argument or vim.empty_dict() } }
  client:request('workspace/executeCommand', params, function(err, result)
    if err then
      local msg = err.message or tostring(err)
      vim.notify('ollama: ' .. msg, vim.log.levels.ERROR, { title = 'ollama' })
      if on_error then
        on_error(msg)
      end
      return
    end
    if on_result then
      on_result(result or {})
    end
  end)
  return true
end

return M
