--- :checkhealth ollama_lsp
local M = {}

function M.check()
  local health = vim.health
  health.start('ollama-lsp')
  if vim.fn.has('nvim-0.11') == 1 then
    health.ok('Neovim ' .. tostring(vim.version()))
  else
    health.error('Neovim 0.11 or newer is needed (vim.lsp.config / vim.lsp.enable)')
  end
  if vim.lsp.inline_completion then
    health.ok('inline completion (vim.lsp.inline_completion) is available')
  else
    health.warn('no vim.lsp.inline_completion (Neovim < 0.12): suggestions come through the completion menu')
  end
  local cmd = require('ollama_lsp.config').options.cmd
  if vim.fn.executable(cmd[1]) == 1 then
    health.ok(('server command: %s'):format(vim.fn.exepath(cmd[1])))
  else
    health.error(('`%s` is not executable'):format(cmd[1]), { 'pip install ollama-lsp', 'or set cmd in setup()' })
  end
  local c = require('ollama_lsp.client').get()
  if c then
    health.ok(('running (client id %d)'):format(c.id))
    local s = require('ollama_lsp.status').current
    if s then
      health.info(('state: %s, model: %s'):format(s.state or '?', s.model or '-'))
    end
  else
    health.info('not running: open a file of a handled file type')
  end
end

return M
