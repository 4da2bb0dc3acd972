--- :checkhealth ollama_lsp: Neovim, the server, then `ollama-lsp doctor`'s own checks (Ollama,
--- the models), each failure with what to run in Neovim.
local M = {}

--- Doctor's advice in Neovim's words.
---@param text string
---@return string[]
local function advice(text)
  local out = {}
  for model in text:gmatch('ollama%-lsp pull (%S+)') do
    table.insert(out, (':Ollama pull %s'):format(model))
  end
  if text:find('ollama serve', 1, true) then
    table.insert(out, 'start Ollama (`ollama serve` or the desktop app), or set `endpoints` in setup({ settings = ... })')
  end
  if text:find('ollama-lsp recommend', 1, true) then
    table.insert(out, ':Ollama models lists the models that fit this machine (marked *)')
  end
  return out
end

--- Run `ollama-lsp doctor` with the plugin's settings; its lines as {mark, text}, or an error.
---@param cmd string[]
---@return {[1]: string, [2]: string}[]|nil, string|nil
function M.doctor(cmd)
  local settings = vim.fn.tempname() .. '.json'
  vim.fn.writefile({ vim.json.encode(require('ollama_lsp.config').options.settings) }, settings)
  local argv = vim.list_extend(vim.deepcopy(cmd), { 'doctor', '--config', settings })
  local ok, done = pcall(function()
    return vim.system(argv, { text = true }):wait(30000)
  end)
  vim.fn.delete(settings)
  if not ok then
    return nil, tostring(done)
  end
  local lines = {}
  for line in ((done.stdout or '') .. (done.stderr or '')):gmatch('[^\n]+') do
    local mark, text = line:match('^%[(....)%] (.*)$')
    if mark then
      table.insert(lines, { vim.trim(mark), text })
    elseif line:match('^verdict:') then
      table.insert(lines, { 'verdict', line })
    end
  end
  if #lines == 0 then
    return nil, ('`%s` said: %s'):format(table.concat(argv, ' '), vim.trim((done.stderr or '') .. (done.stdout or '')))
  end
  return lines
end

function M.check()
  local health = vim.health
  local options = require('ollama_lsp.config').options
  health.start('ollama-lsp: Neovim')
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
  if #vim.fn.getcompletion('ollama-lsp', 'help') > 0 then
    health.ok(':help ollama-lsp is available')
  else
    health.warn(':help ollama-lsp is not indexed', { ':helptags ALL' })
  end

  health.start('ollama-lsp: the server')
  local cmd = options.cmd
  if type(cmd) ~= 'table' then
    health.info('the server runs in-process (cmd is a function): no doctor to run')
    return
  end
  if vim.fn.executable(cmd[1]) == 0 then
    health.error(('`%s` is not executable'):format(cmd[1]), { 'pip install ollama-lsp', "or set cmd in setup(), e.g. { 'python3', '-m', 'ollama_lsp' }" })
    return
  end
  health.ok(('server command: %s'):format(table.concat(cmd, ' ')))
  local c = require('ollama_lsp.client').get()
  if c then
    local s = require('ollama_lsp.status').current or {}
    local speed = type(s.tokensPerSecond) == 'number' and (', %.0f tokens/s'):format(s.tokensPerSecond) or ''
    health.ok(('running (client %d): %s, %s%s'):format(c.id, s.state or 'starting', s.model or '-', speed))
  else
    health.info('not running: open a file of a handled file type')
  end

  health.start('ollama-lsp: Ollama and the models (ollama-lsp doctor)')
  local lines, err = M.doctor(cmd)
  if not lines then
    health.error('ollama-lsp doctor did not run: ' .. (err or '?'))
    return
  end
  for _, line in ipairs(lines) do
    local mark, text = line[1], line[2]
    if mark == 'ok' then
      health.ok(text)
    elseif mark == 'warn' then
      health.warn(text, advice(text))
    elseif mark == 'FAIL' then
      health.error(text, advice(text))
    elseif mark == 'verdict' then
      if text:find('NOT READY', 1, true) then
        health.error(text)
      else
        health.ok(text)
      end
    else
      health.info(text)
    end
  end
end

return M
