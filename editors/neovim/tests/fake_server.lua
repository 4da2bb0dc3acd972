--- An in-process LSP server for unit tests (vim.lsp `cmd` as a function): records what the
--- plugin sends, answers `ollama.*` commands from a table and sends notifications on demand.
local M = {}

---@param commands table<string, fun(argument: table|nil, server: table): (table|nil, table|nil)>
---@param requests table<string, fun(params: table, server: table): any>|nil other request handlers
function M.new(commands, requests)
  local server = { requests = {}, notifications = {}, commands = {}, initialize = nil }
  requests = requests or {}

  function server.cmd(dispatchers)
    server.dispatchers = dispatchers
    local closing, next_id = false, 0
    return {
      request = function(method, params, callback)
        next_id = next_id + 1
        table.insert(server.requests, { method = method, params = params })
        if method == 'initialize' then
          server.initialize = params
          callback(nil, {
            capabilities = {
              textDocumentSync = 1,
              inlineCompletionProvider = true,
              completionProvider = {},
              executeCommandProvider = { commands = vim.tbl_keys(commands) },
            },
          })
        elseif method == 'workspace/executeCommand' then
          table.insert(server.commands, params)
          local handler = commands[params.command]
          vim.schedule(function()
            if not handler then
              return callback({ code = -32601, message = 'unknown command ' .. params.command })
            end
            local result, err = handler(params.arguments and params.arguments[1], server)
            callback(err, result)
          end)
        elseif requests[method] then
          vim.schedule(function()
            callback(nil, requests[method](params, server))
          end)
        else
          vim.schedule(function()
            callback(nil, vim.NIL)
          end)
        end
        return true, next_id
      end,
      notify = function(method, params)
        table.insert(server.notifications, { method = method, params = params })
        return true
      end,
      is_closing = function()
        return closing
      end,
      terminate = function()
        closing = true
      end,
    }
  end

  --- Send a notification from the server to the editor.
  function server.notify(method, params)
    server.dispatchers.notification(method, params)
  end

  return server
end

return M
