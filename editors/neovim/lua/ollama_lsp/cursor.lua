--- Tells the server where the cursor rests (`ollama/didMoveCursor`), a moment after it stops
--- moving: the server then has the model read the prompt a suggestion there will need.
local M = {}

--- How long the cursor stays put before its place is reported.
M.rest_ms = 250

local timer = nil

---@param client vim.lsp.Client
---@param bufnr integer
local function report(client, bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) or vim.api.nvim_get_current_buf() ~= bufnr then
    return
  end
  local row, col = unpack(vim.api.nvim_win_get_cursor(0))
  local line = vim.api.nvim_buf_get_lines(bufnr, row - 1, row, false)[1] or ''
  client:notify('ollama/didMoveCursor', {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = row - 1, character = vim.str_utfindex(line, 'utf-16', col, false) },
  })
end

--- Report the cursor of `bufnr` to `client` whenever it comes to rest.
---@param client vim.lsp.Client
---@param bufnr integer
function M.attach(client, bufnr)
  vim.api.nvim_create_autocmd({ 'CursorMoved', 'CursorMovedI', 'BufEnter' }, {
    buffer = bufnr,
    group = vim.api.nvim_create_augroup('ollama_lsp_cursor_' .. bufnr, { clear = true }),
    callback = function()
      timer = timer or vim.uv.new_timer()
      timer:stop()
      timer:start(M.rest_ms, 0, vim.schedule_wrap(function()
        report(client, bufnr)
      end))
    end,
  })
end

return M
