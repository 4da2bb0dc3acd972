--- Inline suggestions: which buffers get them, the insert-mode keys that take them or cycle
--- through their choices, and what became of each (told to the server, which counts it).
---
--- A Neovim without neovim/neovim#35965 runs every buffer's inline completor on any buffer's
--- typing (ghost text drawn in the wrong window, one model request per open buffer), so there
--- suggestions are on for the current buffer only: on at BufEnter, off for the others.
local config = require('ollama_lsp.config')

local M = {}

--- `:Ollama toggle` turns suggestions off (and on again) everywhere.
M.enabled = true

--- Attached buffers, which may get suggestions.
---@type table<integer, true>
local buffers = {}
--- The user's own mappings of our keys, per buffer and key, called when we have nothing to do.
---@type table<integer, table<string, table>>
local saved = {}
--- Whether this Neovim's completor listens to its own buffer only (nil: not known yet).
---@type boolean|nil
M.scoped = nil

local group = vim.api.nvim_create_augroup('ollama_lsp.inline', { clear = true })

---@return boolean
function M.available()
  return vim.lsp.inline_completion ~= nil
end

--- The buffer's inline completor: Neovim has no public call yet for its items or to ask.
---@param bufnr integer
---@return table|nil
local function completor_of(bufnr)
  local ok, capability = pcall(require, 'vim.lsp._capability')
  local all = ok and capability.all.inline_completion
  return all and all.active[bufnr] or nil
end

--- The argument of the item's accept command: its id and kind (from our server only).
---@param item vim.lsp.inline_completion.Item|nil
---@return table|nil
local function offered(item)
  local args = item and item.command and item.command.command == 'ollama.suggestionOutcome' and item.command.arguments
  return args and type(args[1]) == 'table' and args[1].id and args[1] or nil
end

--- Tell the server what became of `item` (`shown`, `partial`, `dismissed`); quietly.
---@param item vim.lsp.inline_completion.Item
---@param outcome string
local function report(item, outcome)
  local args = offered(item)
  local client = args and vim.lsp.get_client_by_id(item.client_id)
  if client then
    local argument = { id = args.id, kind = args.kind, outcome = outcome }
    client:request('workspace/executeCommand', { command = 'ollama.suggestionOutcome', arguments = { argument } }, function() end)
  end
end

--- The suggestion last seen on screen per buffer: {id, item}.
---@type table<integer, {id: string, item: vim.lsp.inline_completion.Item}>
local watched = {}

--- Note the suggestion on screen. One replaced by another (the user typed or moved on) was
--- dismissed, unless the user cycled to it; none on screen (between an accept and the next
--- answer) says nothing yet.
---@param bufnr integer
---@param cycled boolean|nil
local function follow(bufnr, cycled)
  local completor = completor_of(bufnr)
  local item = completor and completor.current
  local args = offered(item)
  if not args then
    return
  end
  local last = watched[bufnr]
  if last and last.id ~= args.id and not cycled then
    report(last.item, 'dismissed')
  end
  if cycled and (not last or last.id ~= args.id) then
    report(item, 'shown')
  end
  watched[bufnr] = { id = args.id, item = item }
end

--- Leaving insert mode with a suggestion on screen dismisses it.
---@param bufnr integer
local function leave(bufnr)
  local completor = completor_of(bufnr)
  if completor and offered(completor.current) then
    follow(bufnr)
    report(completor.current, 'dismissed')
  end
  watched[bufnr] = nil
end

--- Whether `bufnr` should get suggestions: a file buffer of a file type that is not off.
---@param bufnr integer
---@return boolean
function M.wanted(bufnr)
  local rules = config.options.suggest_filetypes
  local rule = rules[vim.bo[bufnr].filetype]
  if rule == nil then
    -- Scratch and special buffers (chat, help, quickfix, terminals) only when named.
    rule = vim.bo[bufnr].buftype == '' and rules['*'] ~= false
  end
  return rule == true
end

--- Whether the completor of `bufnr` has buffer-local autocommands (nil: no completor).
---@param bufnr integer
---@return boolean|nil
local function completor_is_scoped(bufnr)
  local ok, autocmds = pcall(vim.api.nvim_get_autocmds, { group = ('nvim.lsp.inline_completion:%d'):format(bufnr) })
  if not ok or #autocmds == 0 then
    return nil
  end
  for _, autocmd in ipairs(autocmds) do
    if not autocmd.buflocal then
      return false
    end
  end
  return true
end

---@param bufnr integer
---@param on boolean
local function set(bufnr, on)
  if vim.lsp.inline_completion.is_enabled({ bufnr = bufnr }) ~= on then
    vim.lsp.inline_completion.enable(on, { bufnr = bufnr })
  end
  if on and M.scoped == nil then
    M.scoped = completor_is_scoped(bufnr)
  end
end

--- Turn suggestions on where they belong and off everywhere else.
function M.refresh()
  if not M.available() then
    return
  end
  local current = vim.api.nvim_get_current_buf()
  -- The current buffer first: it tells whether the others may stay on.
  local order = { current }
  for bufnr in pairs(buffers) do
    if bufnr ~= current then
      table.insert(order, bufnr)
    end
  end
  for _, bufnr in ipairs(order) do
    if buffers[bufnr] and not vim.api.nvim_buf_is_valid(bufnr) then
      buffers[bufnr], saved[bufnr], watched[bufnr] = nil, nil, nil
    elseif buffers[bufnr] then
      set(bufnr, M.enabled and M.wanted(bufnr) and (M.scoped == true or bufnr == current))
    end
  end
end

---@param keys string
---@param remap boolean
local function feed(keys, remap)
  vim.api.nvim_feedkeys(vim.keycode(keys), remap and 'im' or 'in', false)
end

--- Do what `lhs` did in `mode` before we mapped it: the user's mapping, else the key itself.
---@param bufnr integer
---@param lhs string
---@param mode string
local function fallback(bufnr, lhs, mode)
  local map = (saved[bufnr] or {})[mode .. lhs]
  if not map or vim.tbl_isempty(map) then
    return feed(lhs, false)
  end
  local remap = map.noremap == 0
  if map.callback then
    local keys = map.callback()
    if map.expr == 1 and type(keys) == 'string' then
      feed(keys, remap)
    end
  elseif map.expr == 1 then
    feed(vim.api.nvim_eval(map.rhs), remap)
  else
    feed(map.rhs, remap)
  end
end

--- The text of the shown suggestion that is not in the buffer yet, and where the cursor is.
---@param bufnr integer
---@param item vim.lsp.inline_completion.Item
---@return string|nil rest, integer row, integer col (0-based, bytes)
local function rest_of(bufnr, item)
  local cursor = vim.api.nvim_win_get_cursor(vim.fn.bufwinid(bufnr))
  local row, col = cursor[1] - 1, cursor[2]
  local text = item.insert_text
  if type(text) ~= 'string' then
    return nil, row, col -- a snippet is taken whole
  end
  local start = item.range and item.range.start
  if start and start.row == row and start.col <= col then
    local typed = vim.api.nvim_buf_get_text(bufnr, row, start.col, row, col, {})[1]
    if text:sub(1, #typed) == typed then
      text = text:sub(#typed + 1)
    end
  end
  return text, row, col
end

--- The next word of `text`: its leading blanks (and line break) and one run of word or
--- punctuation characters.
---@param text string
---@return string
function M.next_word(text)
  return text:match('^%s*[%w_]+') or text:match('^%s*[^%w_%s]+') or text
end

--- The rest of the current line of `text`, or the next line when `text` starts one.
---@param text string
---@return string
function M.next_line(text)
  local line = text:match('^[^\n]*')
  if line ~= '' then
    return line
  end
  return text:match('^\n[^\n]*') or text
end

--- Accept part of the suggestion (`take` picks it from what is not typed yet); the rest comes
--- back as ghost text from the server's cache.
---@param bufnr integer
---@param take fun(rest: string): string
---@return boolean whether there was a suggestion
function M.accept_part(bufnr, take)
  follow(bufnr)
  return vim.lsp.inline_completion.get({
    bufnr = bufnr,
    on_accept = function(item)
      local rest, row, col = rest_of(bufnr, item)
      if rest == nil then
        return vim.snippet.expand(item.insert_text.value)
      end
      local piece = take(rest)
      local lines = vim.split(piece, '\n', { plain = true })
      vim.api.nvim_buf_set_text(bufnr, row, col, row, col, lines)
      local last = #lines == 1 and col + #piece or #lines[#lines]
      vim.api.nvim_win_set_cursor(vim.fn.bufwinid(bufnr), { row + #lines, last })
      if piece ~= rest then
        report(item, 'partial')
        return
      end
      watched[bufnr] = nil
      -- As Neovim's own accept does: the item's command runs after the text is in (for our
      -- server, it tells that the suggestion was accepted).
      local client = item.command and vim.lsp.get_client_by_id(item.client_id)
      if client then
        client:exec_cmd(item.command, { bufnr = bufnr })
      end
    end,
  })
end

--- Show the next (`count` 1) or previous (-1) suggestion. With one only, ask the server again
--- (invoked) for its choices, then show the next of them; the first stays meanwhile.
---@param bufnr integer
---@param count integer
---@return boolean whether there was a suggestion
function M.cycle(bufnr, count)
  local completor = completor_of(bufnr)
  local current = completor and completor.current
  if not current then
    return false
  end
  follow(bufnr)
  if completor:count_items() > 1 then
    vim.lsp.inline_completion.select({ bufnr = bufnr, count = count })
    follow(bufnr, true)
    return true
  end
  local client = vim.lsp.get_client_by_id(current.client_id)
  if not client then
    return false
  end
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  params.context = { triggerKind = vim.lsp.protocol.InlineCompletionTriggerKind.Invoked }
  local tick = vim.b[bufnr].changedtick
  client:request('textDocument/inlineCompletion', params, function(err, result)
    local items = not err and result and (result.items or result) or {}
    if vim.b[bufnr].changedtick ~= tick or completor.current == nil or not completor.client_state[client.id] then
      return -- the user went on meanwhile
    end
    if #items < 2 then
      vim.notify('ollama: no other suggestion here', vim.log.levels.INFO)
      return
    end
    completor.client_state[client.id].items = items
    completor:select(count > 0 and 2 or #items, true)
    follow(bufnr, true)
  end, bufnr)
  return true
end

--- Ask for a suggestion now (an invoked request: the first comes at once, and the server
--- samples the others to cycle through with the next key).
---@param bufnr integer
function M.trigger(bufnr)
  if not vim.lsp.inline_completion.is_enabled({ bufnr = bufnr }) then
    vim.notify('ollama: suggestions are off in this buffer (:Ollama toggle)', vim.log.levels.INFO)
    return
  end
  local completor = completor_of(bufnr)
  if completor and completor.request then
    completor:request(vim.lsp.protocol.InlineCompletionTriggerKind.Invoked)
  else
    vim.api.nvim_exec_autocmds('CursorMovedI', { buffer = bufnr, modeline = false })
  end
end

--- Map `lhs` in `mode` (default insert mode) for `bufnr`; `run()` returns false when `lhs`
--- should do its own job (the user's mapping of it, else the key itself).
---@param bufnr integer
---@param lhs string|false
---@param desc string
---@param run fun(): boolean
---@param mode string|nil
function M.map(bufnr, lhs, desc, run, mode)
  if not lhs then
    return
  end
  mode = mode or 'i'
  local before = vim.api.nvim_buf_call(bufnr, function()
    return vim.fn.maparg(lhs, mode, false, true)
  end)
  if not (before.desc or ''):match('^ollama:') then
    saved[bufnr] = saved[bufnr] or {}
    saved[bufnr][mode .. lhs] = before
  end
  vim.keymap.set(mode, lhs, function()
    if not run() then
      fallback(bufnr, lhs, mode)
    end
  end, { buffer = bufnr, desc = 'ollama: ' .. desc })
end
local map = M.map

---@param bufnr integer
local function map_keys(bufnr)
  local keys = config.options.keymaps
  map(bufnr, keys.accept, 'accept the suggestion (an active snippet jumps first)', function()
    if vim.snippet.active({ direction = 1 }) then
      vim.snippet.jump(1)
      return true
    end
    -- Not Neovim's own accept: it inserts the item it has at the range it had, so what was
    -- typed since (shown through as ghost text, not yet asked again) would be inserted twice.
    -- Without ghost text, a next edit shown in the buffer: jump to it, then accept it.
    return M.accept_part(bufnr, function(rest)
      return rest
    end) or require('ollama_lsp.next_edit').jump_or_accept(bufnr)
  end)
  map(bufnr, keys.accept_word, 'accept the next word of the suggestion', function()
    return M.accept_part(bufnr, M.next_word)
  end)
  map(bufnr, keys.accept_line, 'accept the next line of the suggestion', function()
    return M.accept_part(bufnr, M.next_line)
  end)
  map(bufnr, keys.next, 'next suggestion (asks for the choices)', function()
    return M.cycle(bufnr, 1)
  end)
  map(bufnr, keys.prev, 'previous suggestion (asks for the choices)', function()
    return M.cycle(bufnr, -1)
  end)
  map(bufnr, keys.trigger, 'ask for a suggestion now', function()
    M.trigger(bufnr)
    return true
  end)
end

--- The server attached to `bufnr`: keys, and suggestions if they belong there.
---@param bufnr integer
function M.attach(bufnr)
  buffers[bufnr] = true
  map_keys(bufnr)
  M.refresh()
end

--- `:Ollama toggle`: suggestions off everywhere, or on again.
---@return boolean enabled
function M.toggle()
  M.enabled = not M.enabled
  M.refresh()
  return M.enabled
end

function M.setup()
  vim.api.nvim_clear_autocmds({ group = group })
  vim.api.nvim_create_autocmd({ 'BufEnter', 'FileType' }, {
    group = group,
    callback = function()
      M.refresh()
    end,
  })
  vim.api.nvim_create_autocmd({ 'TextChangedI', 'CursorMovedI' }, {
    group = group,
    callback = function(ev)
      if buffers[ev.buf] then
        follow(ev.buf)
      end
    end,
  })
  vim.api.nvim_create_autocmd('InsertLeavePre', {
    group = group,
    callback = function(ev)
      if buffers[ev.buf] then
        leave(ev.buf)
      end
    end,
  })
  vim.api.nvim_create_autocmd('LspDetach', {
    group = group,
    callback = function(ev)
      if ev.data and vim.lsp.get_client_by_id(ev.data.client_id) and vim.lsp.get_client_by_id(ev.data.client_id).name == 'ollama_lsp' then
        buffers[ev.buf], saved[ev.buf], watched[ev.buf] = nil, nil, nil
      end
    end,
  })
end

return M
