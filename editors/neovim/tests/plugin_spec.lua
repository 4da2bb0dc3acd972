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
  ['ollama.switchModel'] = function(arg, s)
    s.notify('window/showMessage', { type = 3, message = ('The %s model is now %s (loaded in 250 ms).'):format(arg.role, arg.model) })
    return { model = arg.model, role = arg.role, loadMs = 250 }
  end,
  ['ollama.deleteModel'] = function(arg, s)
    s.notify('window/showMessage', { type = 3, message = ('Deleted %s.'):format(arg.model) })
    return { deleted = arg.confirm == true }
  end,
  ['ollama.setQuantization'] = function(arg)
    return { model = arg.model, level = arg.level, created = true, pulled = false }
  end,
  ['ollama.status'] = function()
    return { state = 'idle', roles = { completion = 'qwen2.5-coder:1.5b', chat = 'llama3:8b' }, endpoints = { { url = 'http://127.0.0.1:11434', healthy = true, version = '0.12.3' } } }
  end,
  ['ollama.chat'] = function(arg, s)
    s.notify('ollama/chatDelta', { conversationId = arg.conversationId, messageId = 'stale', delta = 'Late words', done = false })
    for _, piece in ipairs({ 'Use ', '`sorted()`', ':\n\n```python\nsorted(xs)\n```' }) do
      s.notify('ollama/chatDelta', { conversationId = arg.conversationId, messageId = arg.messageId, delta = piece, done = false })
    end
    s.notify('ollama/chatDelta', { conversationId = arg.conversationId, messageId = arg.messageId, delta = '', done = true })
    server.last_chat = arg
    return { conversationId = arg.conversationId, content = 'Whole answer (not shown: it streamed)', tokensPerSecond = 12.5 }
  end,
  ['ollama.cancelPull'] = function(_, s)
    s.notify('window/showMessage', { type = 1, message = 'Pulls cannot be cancelled here.' })
    return nil, { code = -32603, message = 'Pulls cannot be cancelled here.' }
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

--- The last command sent (not counting the model-list refreshes that follow changes).
local function last_command(include_list)
  for i = #server.commands, 1, -1 do
    if include_list or server.commands[i].command ~= 'ollama.listModels' then
      return server.commands[i]
    end
  end
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

t.test(':Ollama models opens a table of the models, not a pager', function()
  vim.cmd('Ollama models')
  t.wait_for(function()
    return vim.bo.filetype == 'ollama'
  end, 'the model table')
  t.eq('ollama.listModels', last_command(true).command)
  t.eq('[{}]', vim.json.encode(last_command(true).arguments), 'one empty object on the wire')
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  t.truthy(text:find('Available to pull', 1, true) and text:find('starcoder2:3b', 1, true), text)
  t.truthy(vim.api.nvim_win_get_config(0).relative ~= '', 'a floating window')
  vim.cmd('close')
end)

t.test(':Ollama pull reports progress in the statusline; the server says how it ended', function()
  local before = #notes
  vim.cmd('Ollama pull starcoder2:3b')
  t.wait_for(function()
    return server.mid_pull_statusline ~= nil and not require('ollama_lsp.status').running()
  end, 'the pull to end')
  t.eq({ model = 'starcoder2:3b' }, last_command().arguments[1])
  t.eq('ollama: Pulling starcoder2:3b 50%', server.mid_pull_statusline)
  vim.wait(100)
  t.eq(before, #notes, 'no notices of our own: ' .. vim.inspect(vim.list_slice(notes, before + 1)))
  t.eq('ollama: qwen2.5-coder:1.5b [idle]', plugin.statusline())
end)

t.test(':Ollama switch sends the model and role; one message, the server\'s', function()
  local before = #notes
  vim.cmd('Ollama switch llama3:8b chat')
  t.wait_for(function()
    return t.notified(notes, 'ollama: The chat model is now llama3:8b (loaded in 250 ms).')
  end, 'switch result')
  vim.wait(100)
  t.eq(before + 1, #notes, 'one message')
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
    return last_command().command == 'ollama.setQuantization'
  end, 'quant sent')
  t.eq({ model = 'qwen2.5-coder:1.5b', level = 'q8_0', role = 'completion' }, last_command().arguments[1])
end)

t.test('a failed command is shown once: the server\'s message, not the error again', function()
  local before = #notes
  vim.cmd('Ollama cancel starcoder2:3b')
  t.wait_for(function()
    return t.notified(notes, 'ollama: Pulls cannot be cancelled here.')
  end, 'error notice')
  vim.wait(100)
  t.eq(before + 1, #notes, vim.inspect(vim.list_slice(notes, before + 1)))
end)

t.test(':Ollama status shows endpoints and roles in a window', function()
  vim.cmd('Ollama status')
  t.wait_for(function()
    return vim.bo.filetype == 'ollama'
  end, 'the status window')
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  t.truthy(text:find('Endpoint http://127.0.0.1:11434: ok, Ollama 0.12.3', 1, true), text)
  t.truthy(text:find('Chat model: llama3:8b', 1, true), text)
  vim.cmd('close')
end)

t.test(':Ollama chat streams the answer into the chat buffer, with the selection', function()
  vim.api.nvim_set_current_buf(bufnr)
  vim.cmd('1,2Ollama chat how do I sort?')
  local chat = require('ollama_lsp.chat')
  t.wait_for(function()
    return chat.bufnr and table.concat(vim.api.nvim_buf_get_lines(chat.bufnr, 0, -1, false), '\n'):find('tok/s', 1, true) ~= nil
  end, 'chat answer')
  local text = table.concat(vim.api.nvim_buf_get_lines(chat.bufnr, 0, -1, false), '\n')
  t.eq('## You\n\nhow do I sort?\n\n## Ollama\n\nUse `sorted()`:\n\n```python\nsorted(xs)\n```\n\n_12.5 tok/s_\n\n## You\n\n', text)
  t.eq('nofile', vim.bo[chat.bufnr].buftype)
  t.eq(vim.uri_from_bufnr(bufnr), server.last_chat.includeSelection.uri)
  t.eq({ line = 0, character = 0 }, server.last_chat.includeSelection.range.start)
  t.eq(chat.conversation_id, server.last_chat.conversationId, 'the id is made by the editor')
  t.eq({ 'sorted(xs)' }, chat.code_block(1))
end)

t.test('command-line completion offers subcommands, models, levels and roles', function()
  t.eq({ 'status', 'switch' }, vim.fn.getcompletion('Ollama s', 'cmdline'))
  t.eq({ 'starcoder2:3b' }, vim.fn.getcompletion('Ollama pull ', 'cmdline'))
  t.eq({ 'qwen2.5-coder:1.5b' }, vim.fn.getcompletion('Ollama switch ', 'cmdline'))
  t.eq({ 'completion', 'chat' }, vim.fn.getcompletion('Ollama switch x ', 'cmdline'))
  t.eq({ 'q8_0' }, vim.fn.getcompletion('Ollama quant x q8', 'cmdline'))
end)

t.finish()
