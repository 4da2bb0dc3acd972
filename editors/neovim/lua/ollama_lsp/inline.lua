--- Inline suggestions: which buffers get them, and the insert-mode keys that take them.
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
      buffers[bufnr], saved[bufnr] = nil, nil
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

--- Do what `lhs` did before we mapped it: the user's mapping, else the key itself.
---@param bufnr integer
---@param lhs string
local function fallback(bufnr, lhs)
  local map = (saved[bufnr] or {})[lhs]
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
      -- As Neovim's own accept does: the item's command runs after the text is in.
      local client = item.command and vim.lsp.get_client_by_id(item.client_id)
      if client then
        client:exec_cmd(item.command, { bufnr = bufnr })
      end
    end,
  })
end

--- Ask for a suggestion now (an invoked request: the server may offer several to cycle).
---@param bufnr integer
function M.trigger(bufnr)
  if not vim.lsp.inline_completion.is_enabled({ bufnr = bufnr }) then
    vim.notify('ollama: suggestions are off in this buffer (:Ollama toggle)', vim.log.levels.INFO)
    return
  end
  -- Neovim has no public call for this yet: the buffer's completor does it.
  local ok, capability = pcall(require, 'vim.lsp._capability')
  local completor = ok and capability.all.inline_completion and capability.all.inline_completion.active[bufnr]
  if completor and completor.request then
    completor:request(vim.lsp.protocol.InlineCompletionTriggerKind.Invoked)
  else
    vim.api.nvim_exec_autocmds('CursorMovedI', { buffer = bufnr, modeline = false })
  end
end

--- Map `lhs` in insert mode for `bufnr`; `run()` returns false when `lhs` should do its own job.
---@param bufnr integer
---@param lhs string|false
---@param desc string
---@param run fun(): boolean
local function map(bufnr, lhs, desc, run)
  if not lhs then
    return
  end
  local before = vim.api.nvim_buf_call(bufnr, function()
    return vim.fn.maparg(lhs, 'i', false, true)
  end)
  if not (before.desc or ''):match('^ollama:') then
    saved[bufnr] = saved[bufnr] or {}
    saved[bufnr][lhs] = before
  end
  vim.keymap.set('i', lhs, function()
    if not run() then
      fallback(bufnr, lhs)
    end
  end, { buffer = bufnr, desc = 'ollama: ' .. desc })
end

---@param bufnr integer
local function map_keys(bufnr)
  local keys = config.options.keymaps
  local inline = vim.lsp.inline_completion
  map(bufnr, keys.accept, 'accept the suggestion (an active snippet jumps first)', function()
    if vim.snippet.active({ direction = 1 }) then
      vim.snippet.jump(1)
      return true
    end
    -- Not Neovim's own accept: it inserts the item it has at the range it had, so what was
    -- typed since (shown through as ghost text, not yet asked again) would be inserted twice.
    return M.accept_part(bufnr, function(rest)
      return rest
    end)
  end)
  map(bufnr, keys.accept_word, 'accept the next word of the suggestion', function()
    return M.accept_part(bufnr, M.next_word)
  end)
  map(bufnr, keys.accept_line, 'accept the next line of the suggestion', function()
    return M.accept_part(bufnr, M.next_line)
  end)
  map(bufnr, keys.next, 'next suggestion', function()
    inline.select({ bufnr = bufnr, count = 1 })
    return true
  end)
  map(bufnr, keys.prev, 'previous suggestion', function()
    inline.select({ bufnr = bufnr, count = -1 })
    return true
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
  vim.api.nvim_create_autocmd('LspDetach', {
    group = group,
    callback = function(ev)
      if ev.data and vim.lsp.get_client_by_id(ev.data.client_id) and vim.lsp.get_client_by_id(ev.data.client_id).name == 'ollama_lsp' then
        buffers[ev.buf], saved[ev.buf] = nil, nil
      end
    end,
  })
end

return M
