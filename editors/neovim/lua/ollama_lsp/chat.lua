--- The chat window: a markdown buffer where you type under "## You" and the answer streams in
--- under "## Ollama" (`ollama/chatDelta`). Keys there: <CR> (normal) or <C-s> sends, <C-c>
--- stops the answer, gy yanks the code block under the cursor, gp puts it into the code window.
local client = require('ollama_lsp.client')
local config = require('ollama_lsp.config')

local M = {}

M.YOU, M.OLLAMA = '## You', '## Ollama'

---@type integer|nil the chat buffer
M.bufnr = nil
---@type string|nil the conversation the buffer shows; made here, so <C-c> works at once
M.conversation_id = nil
--- The window the chat was opened from: where gp puts code.
---@type integer|nil
M.source_win = nil
--- Code selected with `:'<,'>Ollama chat`, sent with the next question.
---@type table|nil
M.selection = nil

local answering = nil ---@type {id: integer|nil, streamed: boolean, stopped: boolean, message_id: string}|nil
local counter = 0

--- A new id, unique in this Neovim: `prefix` and the process and a counter.
---@param prefix string
---@return string
local function new_id(prefix)
  counter = counter + 1
  return ('%s-%d-%d'):format(prefix, vim.fn.getpid(), counter)
end

local function valid()
  return M.bufnr ~= nil and vim.api.nvim_buf_is_valid(M.bufnr)
end

---@return boolean
function M.busy()
  return answering ~= nil
end

--- Run `fn` with the chat buffer writable (it is read-only while an answer streams in).
local function writing(fn)
  local buf = M.bufnr --[[@as integer]]
  vim.bo[buf].modifiable = true
  fn(buf)
  vim.bo[buf].modifiable = answering == nil
end

--- Append text at the end of the buffer; "\n" starts new lines. The window follows the end.
---@param text string
function M.append(text)
  if not valid() then
    return
  end
  writing(function(buf)
    local last = vim.api.nvim_buf_line_count(buf)
    local tail = vim.api.nvim_buf_get_lines(buf, last - 1, last, false)[1] or ''
    local pieces = vim.split(text, '\n', { plain = true })
    pieces[1] = tail .. pieces[1]
    vim.api.nvim_buf_set_lines(buf, last - 1, last, false, pieces)
  end)
  local win = vim.fn.bufwinid(M.bufnr)
  if win ~= -1 then
    vim.api.nvim_win_set_cursor(win, { vim.api.nvim_buf_line_count(M.bufnr), 0 })
  end
end

--- The line of the last "## You" heading (1-based), or nil.
---@return integer|nil
local function last_prompt()
  local lines = vim.api.nvim_buf_get_lines(M.bufnr, 0, -1, false)
  for i = #lines, 1, -1 do
    if lines[i] == M.YOU then
      return i
    end
  end
end

--- The question typed under the last "## You" heading.
---@return string
function M.typed()
  local from = last_prompt()
  if not from then
    return ''
  end
  return vim.trim(table.concat(vim.api.nvim_buf_get_lines(M.bufnr, from, -1, false), '\n'))
end

--- Start a new prompt at the end and put the cursor there.
local function new_prompt()
  local empty = vim.api.nvim_buf_line_count(M.bufnr) == 1 and vim.api.nvim_buf_get_lines(M.bufnr, 0, 1, false)[1] == ''
  M.append((empty and '' or '\n\n') .. M.YOU .. '\n\n')
end

--- The fenced code block around (or else above, or else the last in the buffer) `row`.
---@param row integer 1-based
---@return string[]|nil
function M.code_block(row)
  local lines = vim.api.nvim_buf_get_lines(M.bufnr, 0, -1, false)
  local blocks, open = {}, nil
  for i, line in ipairs(lines) do
    if line:match('^%s*```') then
      if open then
        table.insert(blocks, { first = open, last = i })
        open = nil
      else
        open = i
      end
    end
  end
  local chosen = nil
  for _, block in ipairs(blocks) do
    if block.first <= row then
      chosen = block
    end
  end
  chosen = chosen or blocks[#blocks]
  if not chosen then
    return nil
  end
  return vim.list_slice(lines, chosen.first + 1, chosen.last - 1)
end

local function current_block()
  local block = M.code_block(vim.api.nvim_win_get_cursor(0)[1])
  if not block then
    vim.notify('ollama: no code block in the chat yet', vim.log.levels.INFO)
  end
  return block
end

--- gy: the code block into the register (`"ay` style prefixes work).
function M.yank()
  local block = current_block()
  if block then
    vim.fn.setreg(vim.v.register, block, 'l')
  end
end

--- gp: the code block below the cursor line of the window the chat was opened from.
function M.put()
  local block = current_block()
  local win = M.source_win
  if not block or not win or not vim.api.nvim_win_is_valid(win) then
    return
  end
  local buf = vim.api.nvim_win_get_buf(win)
  local row = vim.api.nvim_win_get_cursor(win)[1]
  vim.api.nvim_buf_set_lines(buf, row, row, false, block)
  vim.api.nvim_win_set_cursor(win, { row + #block, 0 })
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
  local function key(modes, lhs, fn, desc)
    vim.keymap.set(modes, lhs, fn, { buffer = buf, desc = 'ollama: ' .. desc })
  end
  key('n', '<CR>', M.submit, 'send the question typed under "## You"')
  key({ 'n', 'i' }, '<C-s>', M.submit, 'send the question typed under "## You"')
  key({ 'n', 'i' }, '<C-c>', M.cancel, 'stop the answer')
  key('n', 'gy', M.yank, 'yank the code block under the cursor')
  key('n', 'gp', M.put, 'put the code block under the cursor into the code window')
  M.bufnr = buf
  M.conversation_id = nil
  new_prompt()
  return buf
end

--- Show the chat window (reusing one that shows it), the cursor on the prompt.
---@param opts {selection: table|nil, insert: boolean|nil}|nil
function M.open(opts)
  opts = opts or {}
  if opts.selection then
    M.selection = opts.selection
  end
  local here = vim.api.nvim_get_current_win()
  local buf = M.buffer()
  local win = vim.fn.bufwinid(buf)
  if win == -1 then
    M.source_win = here
    vim.cmd(config.options.chat.open)
    vim.api.nvim_win_set_buf(0, buf)
    vim.wo.wrap = true
    vim.wo.linebreak = true
  else
    if here ~= win then
      M.source_win = here
    end
    vim.api.nvim_set_current_win(win)
  end
  vim.api.nvim_win_set_cursor(0, { vim.api.nvim_buf_line_count(buf), 0 })
  if opts.insert ~= false and not M.busy() then
    vim.cmd('startinsert!')
  end
end

--- Handler for `ollama/chatDelta` {conversationId, delta, done}.
function M.on_delta(_, params, _)
  local this = answering
  if not valid() or not this or this.stopped or params.messageId ~= this.message_id then
    return -- a stopped answer's late words, or another conversation's
  end
  if params.delta and params.delta ~= '' then
    this.streamed = true
    M.append(params.delta)
  end
end

--- The answer ended (done, failed or stopped): a line saying so, then a new prompt.
---@param note string|nil
local function finish(note)
  answering = nil
  if valid() then
    vim.bo[M.bufnr].modifiable = true
    if note then
      local last = vim.api.nvim_buf_get_lines(M.bufnr, -2, -1, false)[1]
      M.append((last == '' and '' or '\n\n') .. note)
    end
    new_prompt()
  end
end

--- Send `message` in this conversation; `selection` = {uri, range} sends the selected code.
---@param message string
---@param selection table|nil
function M.send(message, selection)
  if answering then
    vim.notify('ollama: an answer is still being written (<C-c> in the chat stops it)', vim.log.levels.WARN)
    return
  end
  M.open({ insert = false })
  if M.typed() ~= vim.trim(message) then
    writing(function(buf)
      vim.api.nvim_buf_set_lines(buf, last_prompt() or -1, -1, false, { '', unpack(vim.split(message, '\n')) })
    end)
  end
  M.append('\n\n' .. M.OLLAMA .. '\n\n')
  M.conversation_id = M.conversation_id or new_id('nvim')
  local this = { streamed = false, stopped = false, message_id = new_id('answer') }
  answering = this
  vim.bo[M.bufnr].modifiable = false
  local argument = {
    message = message,
    conversationId = M.conversation_id,
    messageId = this.message_id,
    includeSelection = selection or M.selection,
  }
  M.selection = nil
  this.id = client.execute('ollama.chat', argument, function(result)
    if answering ~= this then
      return
    end
    if not this.streamed and result.content and result.content ~= '' then
      M.append(result.content)
    end
    local speed = type(result.tokensPerSecond) == 'number' and ('_%.1f tok/s_'):format(result.tokensPerSecond) or nil
    finish(result.cancelled and '_(stopped)_' or speed)
  end, function(msg)
    if answering == this then
      finish('> ' .. msg)
    end
  end)
  if not this.id then
    finish(nil)
  end
end

--- <CR> / <C-s> in the chat: send what is typed under the last "## You".
function M.submit()
  local question = M.typed()
  if question == '' then
    return vim.notify('ollama: type a question under "## You" first', vim.log.levels.INFO)
  end
  vim.cmd('stopinsert')
  M.send(question)
end

--- <C-c>: stop the answer being written, even before its first word.
function M.cancel()
  local this = answering
  if not this then
    return
  end
  this.stopped = true
  client.execute('ollama.cancelChat', { conversationId = M.conversation_id })
  local lsp = client.get()
  if not this.streamed and this.id and lsp then
    lsp:cancel_request(this.id) -- not started yet: the request itself goes
  end
  finish('_(stopped)_')
end

--- Start a new conversation in the same buffer.
function M.reset()
  if valid() then
    vim.bo[M.bufnr].modifiable = true
    vim.api.nvim_buf_set_lines(M.bufnr, 0, -1, false, {})
    answering = nil
    new_prompt()
  end
  M.conversation_id = nil
  answering = nil
end

return M
