--- Next-edit suggestions: after a pause following an edit, ask the server (`ollama/nextEdit`)
--- for the edit you will make next near the cursor, and show it where it goes: the replaced
--- text struck through, the new text beside it (virtual text, virtual lines for more lines),
--- and a hint. A key jumps to it and, once there, accepts it; another accepts it from
--- anywhere. Typing elsewhere or leaving the buffer dismisses it. The outcome goes back to the
--- server (`ollama/nextEditOutcome`).
local client = require('ollama_lsp.client')
local config = require('ollama_lsp.config')

local M = {}

local ns = vim.api.nvim_create_namespace('ollama_lsp.next_edit')
local group = vim.api.nvim_create_augroup('ollama_lsp.next_edit', { clear = true })
--- Wait after the last change before asking (the server debounces too).
M.pause_ms = 250

--- Turned on by a `nextEdit.model` in the settings, or by `:Ollama switch <model> nextEdit`.
---@type boolean|nil
M.enabled = nil

---@class ollama_lsp.ShownEdit
---@field id string
---@field edits lsp.TextEdit[]
---@field cursor lsp.Position|nil
---@field tick integer the buffer's changedtick it was made for
---@field encoding string the client's position encoding

--- The edit shown in each buffer.
---@type table<integer, ollama_lsp.ShownEdit>
local shown = {}
--- Per buffer: the timer of the next request and the request in flight.
---@type table<integer, { timer: uv.uv_timer_t|nil, request: integer|nil }>
local pending = {}
--- Set while the plugin applies an edit itself (its change must not dismiss it).
local applying = false

---@return boolean
function M.is_enabled()
  if M.enabled ~= nil then
    return M.enabled
  end
  local settings = config.options.settings.nextEdit
  return type(settings) == 'table' and type(settings.model) == 'string' and settings.model ~= ''
end

local function highlights()
  local delete = vim.api.nvim_get_hl(0, { name = 'DiffDelete', link = false })
  vim.api.nvim_set_hl(0, 'OllamaNextEditDelete', { default = true, bg = delete.bg, strikethrough = true })
  vim.api.nvim_set_hl(0, 'OllamaNextEditAdd', { default = true, link = 'DiffAdd' })
  vim.api.nvim_set_hl(0, 'OllamaNextEditHint', { default = true, link = 'Comment' })
end

--- A position of the edit in the buffer: 0-based row and byte column.
---@param bufnr integer
---@param position lsp.Position
---@param encoding string
---@return integer row, integer col
local function to_buffer(bufnr, position, encoding)
  local line = vim.api.nvim_buf_get_lines(bufnr, position.line, position.line + 1, false)[1] or ''
  local ok, col = pcall(vim.str_byteindex, line, encoding, position.character, false)
  return position.line, ok and col or #line
end

--- Whether the cursor's line is one of the lines the edits touch.
---@param bufnr integer
---@param edit ollama_lsp.ShownEdit
---@return boolean
local function cursor_at_edit(bufnr, edit)
  local row = vim.api.nvim_win_get_cursor(vim.fn.bufwinid(bufnr))[1] - 1
  for _, e in ipairs(edit.edits) do
    if row >= e.range.start.line and row <= e.range['end'].line then
      return true
    end
  end
  return false
end

--- The hint: jump from afar, accept at the edit.
---@param at_edit boolean
---@param line integer 0-based line of the edit
---@return string
function M.hint(at_edit, line)
  local keys = config.options.keymaps
  if at_edit then
    return ('  %s: accept the edit'):format(keys.jump_edit or keys.accept_edit or ':Ollama edit')
  end
  return ('  %s: jump to the edit on line %d'):format(keys.jump_edit or ':Ollama edit', line + 1)
end

---@param bufnr integer
local function draw(bufnr)
  local edit = shown[bufnr]
  vim.api.nvim_buf_clear_namespace(bufnr, ns, 0, -1)
  if not edit then
    return
  end
  for _, e in ipairs(edit.edits) do
    local srow, scol = to_buffer(bufnr, e.range.start, edit.encoding)
    local erow, ecol = to_buffer(bufnr, e.range['end'], edit.encoding)
    if srow ~= erow or scol ~= ecol then
      vim.api.nvim_buf_set_extmark(bufnr, ns, srow, scol, { end_row = erow, end_col = ecol, hl_group = 'OllamaNextEditDelete' })
    end
    local lines = vim.split(e.newText, '\n', { plain = true })
    if lines[1] ~= '' then
      vim.api.nvim_buf_set_extmark(bufnr, ns, erow, ecol, { virt_text = { { lines[1], 'OllamaNextEditAdd' } }, virt_text_pos = 'inline' })
    end
    if #lines > 1 then
      local virt_lines = {}
      for i = 2, #lines do
        table.insert(virt_lines, { { lines[i], 'OllamaNextEditAdd' } })
      end
      vim.api.nvim_buf_set_extmark(bufnr, ns, erow, 0, { virt_lines = virt_lines })
    end
  end
  local at_edit = cursor_at_edit(bufnr, edit)
  local first = edit.edits[1].range.start.line
  local row = at_edit and edit.edits[#edit.edits].range['end'].line or vim.api.nvim_win_get_cursor(vim.fn.bufwinid(bufnr))[1] - 1
  vim.api.nvim_buf_set_extmark(bufnr, ns, row, 0, {
    virt_text = { { M.hint(at_edit, first), 'OllamaNextEditHint' } },
    virt_text_pos = 'eol',
  })
end

--- The edit shown in `bufnr`, if any.
---@param bufnr integer
---@return ollama_lsp.ShownEdit|nil
function M.get(bufnr)
  return shown[bufnr]
end

--- Remove the shown edit; with an outcome, tell the server what became of it.
---@param bufnr integer
---@param outcome 'accepted'|'dismissed'|nil
function M.clear(bufnr, outcome)
  local edit = shown[bufnr]
  shown[bufnr] = nil
  if vim.api.nvim_buf_is_valid(bufnr) then
    vim.api.nvim_buf_clear_namespace(bufnr, ns, 0, -1)
  end
  local lsp_client = client.get()
  if edit and outcome and lsp_client then
    lsp_client:notify('ollama/nextEditOutcome', { id = edit.id, outcome = outcome })
  end
end

---@param bufnr integer
local function cancel(bufnr)
  local state = pending[bufnr]
  if not state then
    return
  end
  if state.timer then
    state.timer:stop()
    state.timer:close()
    state.timer = nil
  end
  local lsp_client = client.get()
  if state.request and lsp_client then
    lsp_client:cancel_request(state.request)
  end
  state.request = nil
end

--- Ask now for the next edit at the cursor of `bufnr`.
---@param bufnr integer
function M.request(bufnr)
  local lsp_client = client.get()
  if not lsp_client or vim.api.nvim_get_current_buf() ~= bufnr then
    return
  end
  cancel(bufnr)
  local state = pending[bufnr] or {}
  pending[bufnr] = state
  local encoding = lsp_client.offset_encoding
  local params = vim.lsp.util.make_position_params(0, encoding)
  local tick = vim.api.nvim_buf_get_changedtick(bufnr)
  local _, id = lsp_client:request('ollama/nextEdit', params, function(err, result)
    if state.request == id then
      state.request = nil
    end
    if err or type(result) ~= 'table' or not result.edits or #result.edits == 0 then
      return
    end
    if not vim.api.nvim_buf_is_valid(bufnr) or vim.api.nvim_buf_get_changedtick(bufnr) ~= tick then
      return -- made for a text that is gone
    end
    shown[bufnr] = { id = result.id, edits = result.edits, cursor = result.cursor, tick = tick, encoding = encoding }
    draw(bufnr)
  end, bufnr)
  state.request = id
end

--- A change in `bufnr`: the shown edit is gone (unless we made the change), and a new request
--- goes out after a pause.
---@param bufnr integer
local function changed(bufnr)
  if not applying and shown[bufnr] then
    M.clear(bufnr, 'dismissed')
  end
  if not M.is_enabled() then
    return
  end
  cancel(bufnr)
  local state = pending[bufnr] or {}
  pending[bufnr] = state
  state.timer = vim.uv.new_timer()
  state.timer:start(M.pause_ms, 0, vim.schedule_wrap(function()
    if state.timer then
      state.timer:close()
      state.timer = nil
    end
    if vim.api.nvim_buf_is_valid(bufnr) then
      M.request(bufnr)
    end
  end))
end

--- Apply the shown edit; the cursor goes where the model said, else to the end of the edit.
---@param bufnr integer
---@return boolean whether there was an edit to accept
function M.accept(bufnr)
  local edit = shown[bufnr]
  if not edit or vim.api.nvim_buf_get_changedtick(bufnr) ~= edit.tick then
    return false
  end
  local last = edit.edits[#edit.edits]
  local row, col = to_buffer(bufnr, last.range['end'], edit.encoding)
  -- An extmark at the end of the last edit follows the text in: it is where the cursor goes.
  local mark = vim.api.nvim_buf_set_extmark(bufnr, ns, row, col, { right_gravity = true })
  applying = true
  local ok, err = pcall(vim.lsp.util.apply_text_edits, edit.edits, bufnr, edit.encoding)
  applying = false
  local at = vim.api.nvim_buf_get_extmark_by_id(bufnr, ns, mark, {})
  M.clear(bufnr, ok and 'accepted' or 'dismissed')
  if not ok then
    vim.notify('ollama: could not apply the edit: ' .. tostring(err), vim.log.levels.ERROR)
    return true
  end
  local target = { at[1], at[2] }
  if edit.cursor then
    target = { to_buffer(bufnr, edit.cursor, edit.encoding) }
  end
  vim.api.nvim_win_set_cursor(vim.fn.bufwinid(bufnr), { target[1] + 1, target[2] })
  return true
end

--- Jump to the shown edit; when the cursor is on it already, accept it.
---@param bufnr integer
---@return boolean whether there was an edit
function M.jump_or_accept(bufnr)
  local edit = shown[bufnr]
  if not edit then
    return false
  end
  if cursor_at_edit(bufnr, edit) then
    return M.accept(bufnr)
  end
  local row, col = to_buffer(bufnr, edit.edits[1].range.start, edit.encoding)
  vim.api.nvim_win_set_cursor(vim.fn.bufwinid(bufnr), { row + 1, col })
  draw(bufnr)
  return true
end

--- Keys and autocommands for an attached buffer.
---@param bufnr integer
function M.attach(bufnr)
  local keys = config.options.keymaps
  local inline = require('ollama_lsp.inline')
  inline.map(bufnr, keys.jump_edit, 'jump to the next edit, then accept it', function()
    return M.jump_or_accept(bufnr)
  end, 'n')
  for _, mode in ipairs({ 'n', 'i' }) do
    inline.map(bufnr, keys.accept_edit, 'accept the next edit', function()
      return M.accept(bufnr)
    end, mode)
  end
  vim.api.nvim_clear_autocmds({ group = group, buffer = bufnr })
  vim.api.nvim_create_autocmd({ 'TextChanged', 'TextChangedI' }, {
    group = group,
    buffer = bufnr,
    callback = function()
      changed(bufnr)
    end,
  })
  vim.api.nvim_create_autocmd({ 'CursorMoved', 'CursorMovedI' }, {
    group = group,
    buffer = bufnr,
    callback = function()
      if shown[bufnr] then
        draw(bufnr)
      end
    end,
  })
  vim.api.nvim_create_autocmd({ 'BufLeave', 'BufUnload' }, {
    group = group,
    buffer = bufnr,
    callback = function()
      cancel(bufnr)
      if shown[bufnr] then
        M.clear(bufnr, 'dismissed')
      end
    end,
  })
end

function M.setup()
  highlights()
  vim.api.nvim_create_autocmd('ColorScheme', { group = vim.api.nvim_create_augroup('ollama_lsp.next_edit.hl', { clear = true }), callback = highlights })
end

return M
