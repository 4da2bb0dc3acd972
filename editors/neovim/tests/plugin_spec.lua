-- The plugin against an in-process fake server: attach, commands, notifications, progress,
-- chat streaming and inline suggestions.
local t = dofile(vim.fn.fnamemodify(arg[0], ':p:h') .. '/harness.lua')
local fake = require('fake_server')

local models = {
  models = {
    { name = 'qwen2.5-coder:1.5b', size = 986e6, quantization = 'Q4_K_M', supportsFim = true, loaded = true, roles = { 'completion' } },
  },
  catalog = { { name = 'starcoder2:3b', sizeBytes = 1.7e9, pulled = false, supportsFim = true, fits = true } },
}

local server
server = fake.new({
  ['ollama.listModels'] = function()
    return models
  end,
  ['ollama.pullModel'] = function(arg, s)
    local token = 'pull-' .. arg.model
    s.notify('$/progress', { token = token, value = { kind = 'begin', title = 'Pulling ' .. arg.model, percentage = 0 } })
    s.notify('$/progress', { token = token, value = { kind = 'report', message = 'downloading', percentage = 50 } })
    server.mid_pull_statusline = require('ollama_lsp').statusline()
    s.notify('$/progress', { token = token, value = { kind = 'end', message = 'success' } })
    return { model = arg.model, status = 'success', durationMs = 12 }
  end,
  ['ollama.switchModel'] = function(arg)
    return { model = arg.model, role = arg.role, loadMs = 250 }
  end,
  ['ollama.deleteModel'] = function(arg)
    return { deleted = arg.confirm == true }
  end,
  ['ollama.setQuantization'] = function(arg)
    return { model = arg.model, level = arg.level, created = true, pulled = false }
  end,
  ['ollama.status'] = function()
    return { state = 'idle', roles = { completion = 'qwen2.5-coder:1.5b', chat = 'llama3:8b' }, endpoints = { { url = 'http://127.0.0.1:11434', healthy = true, version = '0.12.3' } } }
  end,
  ['ollama.chat'] = function(arg, s)
    for _, piece in ipairs({ 'Use ', '`sorted()`', ':\n\n```python\nsorted(xs)\n```' }) do
      s.notify('ollama/chatDelta', { conversationId = 'c1', delta = piece, done = false })
    end
    s.notify('ollama/chatDelta', { conversationId = 'c1', delta = '', done = true })
    server.last_chat = arg
    return { conversationId = 'c1', content = 'Use `sorted()`:\n\n```python\nsorted(xs)\n```', tokensPerSecond = 12.5 }
  end,
  ['ollama.cancelPull'] = function()
    return nil, { code = -32603, message = 'No pull of starcoder2:3b is running.' }
  end,
}, {
  ['textDocument/inlineCompletion'] = function()
    return { items = { { insertText = 'return a + b' } } }
  end,
})

local notes = t.capture_notify()
local dir = vim.fn.tempname()
vim.fn.mkdir(dir, 'p')
local plugin = require('ollama_lsp')
plugin.setup({ cmd = server.cmd, settings = { completion = { model = 'qwen2.5-coder:1.5b' } } })
vim.cmd.edit(dir .. '/calc.py')
local bufnr = vim.api.nvim_get_current_buf()

local function last_command()
  return server.commands[#server.commands]
end

t.test('starts the server for a Python file and sends the settings', function()
  t.wait_for(function()
    return #vim.lsp.get_clients({ name = 'ollama_lsp', bufnr = bufnr }) == 1
  end, 'client attached')
  t.eq({ ollama = { completion = { model = 'qwen2.5-coder:1.5b' } } }, server.initialize.initializationOptions)
  local client = vim.lsp.get_clients({ name = 'ollama_lsp' })[1]
  t.eq({ completion = { model = 'qwen2.5-coder:1.5b' } }, client.settings.ollama)
end)

t.test('turns on inline completion for the buffer', function()
  t.truthy(vim.lsp.inline_completion.is_enabled({ bufnr = bufnr }), 'inline completion enabled')
end)

t.test('shows the suggestion as ghost text and accepting inserts it', function()
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, { 'def add(a, b):', '    ' })
  vim.api.nvim_win_set_cursor(0, { 2, 4 })
  -- A -l script never reaches insert mode; fire the event the inline completor listens to.
  vim.api.nvim_exec_autocmds('InsertEnter', { buffer = bufnr })
  local ns = vim.api.nvim_create_namespace('nvim.lsp.inline_completion')
  local marks = {}
  t.wait_for(function()
    marks = vim.api.nvim_buf_get_extmarks(bufnr, ns, 0, -1, { details = true })
    return #marks > 0
  end, 'ghost text')
  t.eq('return a + b', marks[1][4].virt_text[1][1])
  t.truthy(vim.lsp.inline_completion.get({ bufnr = bufnr }), 'a suggestion to accept')
  t.wait_for(function()
    return vim.api.nvim_buf_get_lines(bufnr, 1, 2, false)[1] == '    return a + b'
  end, 'accepted text')
end)

t.test('ollama/status drives the statusline', function()
  server.notify('ollama/status', { state = 'generating', model = 'qwen2.5-coder:1.5b', tokensPerSecond = 30 })
  t.eq('ollama: qwen2.5-coder:1.5b [generating 30 tok/s]', plugin.statusline())
end)

t.test('an error state is shown once, clearly, and editing goes on', function()
  local before = #notes
  local down = { state = 'error', model = 'qwen2.5-coder:1.5b', message = 'Ollama is not reachable at http://127.0.0.1:11434: start it with `ollama serve`' }
  server.notify('ollama/status', down)
  server.notify('ollama/status', down)
  t.wait_for(function()
    return #notes > before
  end, 'a notice')
  vim.wait(400)
  t.eq(before + 1, #notes, 'one notice')
  t.truthy(notes[#notes].msg:find('not reachable', 1, true), notes[#notes].msg)
  t.eq('ollama: qwen2.5-coder:1.5b [error]', plugin.statusline())
  vim.api.nvim_buf_set_lines(bufnr, -1, -1, false, { 'x = 1' })
  t.eq('x = 1', vim.api.nvim_buf_get_lines(bufnr, -2, -1, false)[1])
  server.notify('ollama/status', { state = 'idle', model = 'qwen2.5-coder:1.5b' })
  server.notify('ollama/status', down)
  t.wait_for(function()
    return #notes == before + 2
  end, 'shown again after recovering')
  -- When the server explains the failure itself, the status adds nothing.
  server.notify('ollama/status', { state = 'idle', model = 'qwen2.5-coder:1.5b' })
  server.notify('window/showMessage', { type = 1, message = 'Ollama is not running' })
  server.notify('ollama/status', down)
  vim.wait(400)
  t.eq(before + 3, #notes, 'only the server message')
  t.truthy(notes[#notes].msg:find('Ollama is not running', 1, true), notes[#notes].msg)
  server.notify('ollama/status', { state = 'idle', model = 'qwen2.5-coder:1.5b' })
end)

t.test(':Ollama models lists models with their details', function()
  vim.cmd('Ollama models')
  t.wait_for(function()
    return t.notified(notes, 'Available to pull:')
  end, 'model list')
  t.eq('ollama.listModels', last_command().command)
  t.eq('[{}]', vim.json.encode(last_command().arguments), 'one empty object on the wire')
  t.truthy(t.notified(notes, 'FIM, loaded, completion'), 'flags shown')
end)

t.test(':Ollama pull reports progress in the statusline and notifies at start and end', function()
  vim.cmd('Ollama pull starcoder2:3b')
  t.wait_for(function()
    return t.notified(notes, 'ollama: Pulling starcoder2:3b: success')
  end, 'end notice')
  t.eq({ model = 'starcoder2:3b' }, last_command().arguments[1])
  t.eq('ollama: Pulling starcoder2:3b downloading 50%', server.mid_pull_statusline)
  t.truthy(t.notified(notes, 'ollama: Pulling starcoder2:3b…'), 'start notice')
  t.truthy(not t.notified(notes, 'Pulled starcoder2:3b'), 'no second notice of our own')
  t.eq('ollama: qwen2.5-coder:1.5b [idle]', plugin.statusline())
end)

t.test(':Ollama switch sends the model and role', function()
  vim.cmd('Ollama switch llama3:8b chat')
  t.wait_for(function()
    return t.notified(notes, 'chat model: llama3:8b (loaded in 250 ms)')
  end, 'switch result')
  t.eq({ model = 'llama3:8b', role = 'chat' }, last_command().arguments[1])
  vim.cmd('Ollama switch starcoder2:3b')
  t.wait_for(function()
    return last_command().arguments[1].model == 'starcoder2:3b'
  end, 'second switch')
  t.eq('completion', last_command().arguments[1].role)
end)

t.test(':Ollama rm! deletes without asking; :Ollama quant sets the level', function()
  vim.cmd('Ollama! rm llama3:8b')
  t.wait_for(function()
    return t.notified(notes, 'Deleted llama3:8b')
  end, 'delete result')
  t.eq({ model = 'llama3:8b', confirm = true }, last_command().arguments[1])
  vim.cmd('Ollama quant qwen2.5-coder:1.5b q8_0 completion')
  t.wait_for(function()
    return t.notified(notes, 'qwen2.5-coder:1.5b at q8_0, created')
  end, 'quant result')
  t.eq({ model = 'qwen2.5-coder:1.5b', level = 'q8_0', role = 'completion' }, last_command().arguments[1])
end)

t.test('server errors reach the user as they are', function()
  vim.cmd('Ollama cancel starcoder2:3b')
  t.wait_for(function()
    return t.notified(notes, 'ollama: No pull of starcoder2:3b is running.')
  end, 'error notice')
end)

t.test(':Ollama status shows endpoints and roles', function()
  vim.cmd('Ollama status')
  t.wait_for(function()
    return t.notified(notes, 'Endpoint http://127.0.0.1:11434: ok, Ollama 0.12.3')
  end, 'status')
  t.truthy(t.notified(notes, 'Chat model: llama3:8b'), 'roles')
end)

t.test(':Ollama chat streams the answer into a scratch buffer, with the selection', function()
  vim.api.nvim_set_current_buf(bufnr)
  vim.cmd('1,2Ollama chat how do I sort?')
  local chat = require('ollama_lsp.chat')
  t.wait_for(function()
    return chat.bufnr and table.concat(vim.api.nvim_buf_get_lines(chat.bufnr, 0, -1, false), '\n'):find('tok/s', 1, true) ~= nil
  end, 'chat answer')
  local text = table.concat(vim.api.nvim_buf_get_lines(chat.bufnr, 0, -1, false), '\n')
  t.eq('## You\n\nhow do I sort?\n\n## Ollama\n\nUse `sorted()`:\n\n```python\nsorted(xs)\n```\n\n_12.5 tok/s_', text)
  t.eq('nofile', vim.bo[chat.bufnr].buftype)
  t.eq(vim.uri_from_bufnr(bufnr), server.last_chat.includeSelection.uri)
  t.eq({ line = 0, character = 0 }, server.last_chat.includeSelection.range.start)
  t.eq('c1', chat.conversation_id)
end)

t.test('command-line completion offers subcommands, models and roles', function()
  t.eq({ 'status', 'switch' }, vim.fn.getcompletion('Ollama s', 'cmdline'))
  t.eq({ 'qwen2.5-coder:1.5b', 'starcoder2:3b' }, vim.fn.getcompletion('Ollama pull ', 'cmdline'))
  t.eq({ 'completion', 'chat' }, vim.fn.getcompletion('Ollama switch x ', 'cmdline'))
end)

t.finish()
