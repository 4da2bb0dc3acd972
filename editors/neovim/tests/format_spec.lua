-- Pure formatting: sizes, model lists, status lines and the statusline text.
local t = dofile(vim.fn.fnamemodify(arg[0], ':p:h') .. '/harness.lua')
local format = require('ollama_lsp.format')

t.test('size uses decimal units', function()
  t.eq('512 B', format.size(512))
  t.eq('1.5 KB', format.size(1500))
  t.eq('4.1 GB', format.size(4.1e9))
  t.eq('?', format.size(nil))
end)

t.test('model lines show size, quantization, FIM, loaded state and roles', function()
  local lines = format.model_lines({
    models = {
      { name = 'qwen2.5-coder:1.5b', size = 986e6, quantization = 'Q4_K_M', supportsFim = true, loaded = true, roles = { 'completion' } },
      { name = 'llama3:8b', size = 4.7e9, quantization = 'Q4_0', supportsFim = false, loaded = false, roles = {} },
    },
    catalog = {
      { name = 'qwen2.5-coder:1.5b', pulled = true, sizeBytes = 986e6 },
      { name = 'codellama:7b-code', pulled = false, sizeBytes = 3.8e9, quantization = 'Q4_0', supportsFim = true, fits = false },
    },
  })
  t.truthy(lines[1]:find('qwen2.5-coder:1.5b', 1, true) and lines[1]:find('986.0 MB', 1, true), lines[1])
  t.truthy(lines[1]:find('FIM, loaded, completion', 1, true), lines[1])
  t.truthy(not lines[2]:find('FIM', 1, true), 'llama3 has no FIM: ' .. lines[2])
  t.eq('Available to pull:', lines[4])
  t.eq(5, #lines, 'pulled catalog entries are not repeated')
  t.truthy(lines[5]:find('codellama:7b-code', 1, true) and lines[5]:find('may not fit', 1, true), lines[5])
end)

t.test('an empty model list says how to pull one', function()
  t.eq({ 'No models yet: :Ollama pull <model>' }, format.model_lines({ models = {}, catalog = {} }))
end)

t.test('status lines name endpoints, their health and the role models', function()
  local lines = format.status_lines({
    state = 'error',
    roles = { completion = 'a:1b', chat = 'b:7b' },
    endpoints = {
      { url = 'http://127.0.0.1:11434', healthy = true, version = '0.12.0' },
      { url = 'http://gpu:11434', healthy = false, error = 'connection refused' },
      { url = 'http://vllm:8000/v1', api = 'openai', healthy = true, loadedModels = { 'qwen' },
        latencyMs = 41.6, requests = 12, share = 0.75 },
    },
    lastErrors = { 'model not found' },
  })
  t.eq({
    'State: error',
    'Completion model: a:1b',
    'Chat model: b:7b',
    'Endpoint http://127.0.0.1:11434: ok, Ollama 0.12.0',
    'Endpoint http://gpu:11434: unreachable: connection refused',
    'Endpoint http://vllm:8000/v1: ok, OpenAI-compatible, loaded: qwen, 42 ms to first token, 75% of requests',
    'Error: model not found',
  }, lines)
end)

t.test('statusline shows model, state and speed, or the running task', function()
  t.eq('', format.statusline(nil, nil))
  t.eq('ollama: a:1b [idle]', format.statusline({ state = 'idle', model = 'a:1b' }))
  t.eq('ollama: a:1b [generating 42 tok/s]', format.statusline({ state = 'generating', model = 'a:1b', tokensPerSecond = 41.7 }))
  t.eq('ollama: Pulling a:1b downloading 40%', format.statusline({ state = 'idle' }, { title = 'Pulling a:1b', message = 'downloading', percentage = 40 }))
end)

t.finish()
