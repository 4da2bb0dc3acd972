--- A read-only floating window for tables (`:Ollama models`, `:Ollama status`): no hit-enter
--- pager, columns that line up, headings that stand out; q or <Esc> closes it.
local M = {}

local ns = vim.api.nvim_create_namespace('ollama_lsp.view')

---@class ollama_lsp.ViewLine
---@field [1] string text
---@field [2] string|nil highlight group of the whole line

--- Open a float with `lines` ({text, hl} pairs) titled `title`; returns its buffer.
---@param title string
---@param lines ollama_lsp.ViewLine[]
---@return integer bufnr, integer winid
function M.open(title, lines)
  local buf = vim.api.nvim_create_buf(false, true)
  local texts, width = {}, #title + 4
  for _, line in ipairs(lines) do
    table.insert(texts, line[1])
    width = math.max(width, vim.fn.strdisplaywidth(line[1]))
  end
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, texts)
  for i, line in ipairs(lines) do
    if line[2] then
      vim.api.nvim_buf_set_extmark(buf, ns, i - 1, 0, { end_col = #line[1], hl_group = line[2] })
    end
  end
  vim.bo[buf].modifiable = false
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].filetype = 'ollama'
  width = math.min(width + 2, vim.o.columns - 4)
  local height = math.min(#lines, vim.o.lines - 6)
  local win = vim.api.nvim_open_win(buf, true, {
    relative = 'editor',
    row = math.floor((vim.o.lines - height) / 2) - 1,
    col = math.floor((vim.o.columns - width) / 2),
    width = width,
    height = height,
    style = 'minimal',
    border = 'rounded',
    title = ' ' .. title .. ' ',
    title_pos = 'center',
    footer = ' q closes ',
    footer_pos = 'right',
  })
  vim.wo[win].cursorline = true
  for _, key in ipairs({ 'q', '<Esc>' }) do
    vim.keymap.set('n', key, '<Cmd>close<CR>', { buffer = buf, nowait = true, desc = 'ollama: close' })
  end
  return buf, win
end

return M
