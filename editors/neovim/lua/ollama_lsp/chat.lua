--- Chat in a scratch buffer; `ollama/chatDelta` notifications stream the answer into it.
local client = require('ollama_lsp.client')
local config = require('ollama_lsp.config')

local M = {}

---@type integer|nil the chat buffer
M.bufnr = nil
---@type string|nil conversation the buffer shows (the server's id once it answered)
M.conversation_id = nil
--- Whether the answer being written has received any delta (else the final content is used).
local streaming = false
local pending = false

local function valid()
  return M.bufnr and vim.api.nvim_buf_is_valid(M.bufnr)
end

--- Create (or return) the chat buffer, without showing it.
---@return integer
function M.buffer()
  if valid() then
    return M.bufnr --[[@as integer]]
  end
  local buf = vim.api.nvim_create_buf(true, true)
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'hide'
  vim.bo[buf].swapfile = false
  vim.bo[buf].filetype = 'markdown'
  pcall(vim.api.nvim_buf_set_name, buf, 'ollama://chat')
  vim.keymap.set('n', '<CR>', function()
    M.prompt()
  end, { buffer = buf, desc = 'ollama: ask a follow-up question' })
  vim.keymap.set('n', '<C-c>', function()
    M.cancel()
  end, { buffer = buf, desc = 'ollama: stop the answer' })
  M.bufnr = buf
  M.conversation_id = nil
  return buf
end

--- Show the chat buffer in a window (reusing one that already shows it).
function M.open()
  local buf = M.buffer()
  local win = vim.fn.bufwinid(buf)
  if win == -1 then
    vim.cmd(config.options.chat.open)
    vim.api.nvim_win_set_buf(0, buf)
    vim.wo.wrap = true
    vim.wo.linebreak = true
  else
    vim.api.nvim_set_current_win(win)
  end
end

--- Append text at the end of the buffer; "\n" starts new lines.
---@param text string
function M.append(text)
  local buf = M.buffer()
  local last = vim.api.nvim_buf_line_count(buf)
  local tail = vim.api.nvim_buf_get_lines(buf, last - 1, last, false)[1] or ''
  local pieces = vim.split(text, '\n', { plain = true })
  pieces[1] = tail .. pieces[1]
  vim.api.nvim_buf_set_lines(buf, last - 1, last, false, pieces)
  local win = vim.fn.bufwinid(buf)
  if win ~= -1 then
    vim.api.nvim_win_set_cursor(win, { vim.api.nvim_buf_line_count(buf), 0 })
  end
end

--- Handler for `ollama/chatDelta` {conversationId, delta, done}.
function M.on_delta(_, params, _)
  if not valid() or not pending then
    return
  end
  if M.conversation_id and params.conversationId ~= M.conversation_id then
    return
  end
  M.conversation_id = params.conversationId
  if params.delta and params.delta ~= '' then
    streaming = true
    M.append(params.delta)
  end
end

--- Send a message; `selection` = {uri, range} to include the selected code.
---@param message string
---@param selection table|nil
function M.send(message, selection)
  if pending then
    vim.notify('ollama: an answer is still being written (<C-c> in the chat stops it)', vim.log.levels.WARN)
    return
  end
  M.open()
  local buf = M.buffer()
  local empty = vim.api.nvim_buf_line_count(buf) == 1 and vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1] == ''
  M.append((empty and '' or '\n\n') .. '## You\n\n' .. message .. '\n\n## Ollama\n\n')
  local argument = { message = message, conversationId = M.conversation_id, includeSelection = selection }
  streaming, pending = false, true
  client.execute('ollama.chat', argument, function(result)
    pending = false
    M.conversation_id = result.conversationId or M.conversation_id
    if not streaming and result.content then
      M.append(result.content)
    end
    if type(result.tokensPerSecond) == 'number' then
      M.append(('\n\n_%.1f tok/s_'):format(result.tokensPerSecond))
    end
  end, function(msg)
    pending = false
    M.append('\n\n> ' .. msg)
  end)
end

--- Ask for a message, then send it.
function M.prompt()
  vim.ui.input({ prompt = 'Ask ollama: ' }, function(input)
    if input and input ~= '' then
      M.send(input)
    end
  end)
end

--- Stop the answer being written.
function M.cancel()
  if pending and M.conversation_id then
    client.execute('ollama.cancelChat', { conversationId = M.conversation_id })
  end
end

--- Start a new conversation in the same buffer.
function M.reset()
  if valid() then
    vim.api.nvim_buf_set_lines(M.bufnr, 0, -1, false, {})
  end
  M.conversation_id = nil
  pending, streaming = false, false
end

return M
