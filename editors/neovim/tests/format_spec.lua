-- Pure formatting: sizes, model lists, status lines and the statusline text.
local t = dofile(vim.fn.fnamemodify(arg[0], ':p:h') .. '/harness.lua')
local format = require('ollama_lsp.format')

t.test('size uses decimal units', function()
  t.eq('512 B', format.size(512))
  t.eq('1.5 KB', format.size(1500))
  t.eq('4.1 GB', format.size(4.1e9))
  t.eq('?', format.size(nil))
end)

t.test('model lines: a table per section, with headings, columns and the recommendation', function()
  local lines = format.model_lines({
    models = {
      { name = 'qwen2.5-coder:1.5b', size = 986e6, parameterSize = '1.5B', quantization = 'Q4_K_M', supportsFim = true, loaded = true, roles = { 'completion' } },
      { name = 'nomic-embed-text:latest', size = 274e6, quantization = 'F16', supportsFim = false, capabilities = { 'embedding' }, roles = {} },
    },
    catalog = {
      { name = 'qwen2.5-coder:1.5b', pulled = true, sizeBytes = 986e6 },
      { name = 'codellama:7b-code', pulled = false, sizeBytes = 3.8e9, quantization = 'Q4_0', supportsFim = true, fits = false },
      { name = 'starcoder2:3b-q4_K_M', pulled = false, sizeBytes = 1.8e9, quantization = 'Q4_K_M', supportsFim = true, recommended = true },
    },
  })
  local texts = vim.tbl_map(function(l)
    return l[1]
  end, lines)
  t.eq({ 'Pulled', 'Title' }, lines[1])
  t.truthy(texts[2]:match('^name%s+size%s+params%s+quant%s+fim%s+state$'), texts[2])
  t.truthy(texts[3]:match('^qwen2%.5%-coder:1%.5b%s+986%.0 MB%s+1%.5B%s+Q4_K_M%s+yes%s+loaded, completion$'), texts[3])
  t.eq('Special', lines[3][2], 'a model in use stands out')
  t.truthy(texts[4]:find('embedding', 1, true), texts[4])
  t.eq('', texts[5])
  t.eq('Available to pull (* recommended for this machine)', texts[6])
  t.eq(9, #lines, 'pulled catalog entries are not repeated')
  t.truthy(texts[8]:find('may not fit in memory', 1, true), texts[8])
  t.truthy(texts[9]:match('%*$') and lines[9][2] == 'Special', texts[9])
  -- columns line up: every row has its size column ending at the same place
  t.eq(texts[3]:find('986.0 MB', 1, true) + 7, texts[8]:find('3.8 GB', 1, true) + 5)
end)

t.test('an empty model list says how to pull one', function()
  t.eq({ 'No models pulled yet: :Ollama pull <model>', 'WarningMsg' }, format.model_lines({ models = {}, catalog = {} })[1])
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

t.test('status lines end with what became of the suggestions, per language and model', function()
  local function counts(shown, accepted, partial, dismissed)
    return {
      shown = shown,
      accepted = accepted,
      partial = partial,
      dismissed = dismissed,
      acceptedRate = accepted / shown,
      partialRate = partial / shown,
      dismissedRate = dismissed / shown,
    }
  end
  local completion = counts(8, 3, 1, 2)
  completion.byLanguage = { vim.tbl_extend('force', counts(6, 3, 0, 2), { language = 'python' }), vim.tbl_extend('force', counts(2, 0, 1, 0), { language = 'go' }) }
  completion.byModel = { vim.tbl_extend('force', counts(8, 3, 1, 2), { model = 'a:1b' }) }
  local lines = format.status_lines({ state = 'idle', suggestions = { completion = completion } })
  t.eq({
    'Suggestions: 8 shown, 38% accepted, 13% partly, 25% dismissed',
    '  in python: 6 shown, 50% accepted, 0% partly, 33% dismissed',
    '  in go: 2 shown, 0% accepted, 50% partly, 0% dismissed',
    '  with a:1b: 8 shown, 38% accepted, 13% partly, 25% dismissed',
  }, vim.list_slice(lines, 4))
  t.eq({}, format.outcome_lines({ shown = 0 }))
end)

t.test('statusline shows model, state and the last speed, or the running task', function()
  t.eq('', format.statusline(nil, nil))
  t.eq('ollama: a:1b [idle]', format.statusline({ state = 'idle', model = 'a:1b' }))
  t.eq('ollama: a:1b [idle 42 tok/s]', format.statusline({ state = 'idle', model = 'a:1b', tokensPerSecond = 41.7 }))
  t.eq('ollama: a:1b [generating 42 tok/s]', format.statusline({ state = 'generating', model = 'a:1b', tokensPerSecond = 41.7 }))
  t.eq('ollama: a:1b [error]', format.statusline({ state = 'error', model = 'a:1b', tokensPerSecond = 41.7 }))
  t.eq(
    'ollama: a:1b [idle 31 tok/s 421 ms 88% cached]',
    format.statusline({ state = 'idle', model = 'a:1b', tokensPerSecond = 31.3, suggestionMs = 421, cachedShare = 0.88 })
  )
  t.eq('ollama: a:1b [off]', format.statusline({ state = 'idle', model = 'a:1b' }, nil, false))
  t.eq('ollama: Pulling a:1b 40%', format.statusline({ state = 'idle' }, { title = 'Pulling a:1b', message = 'downloading', percentage = 40 }))
end)

t.test('the next word and the next line of a suggestion', function()
  local inline = require('ollama_lsp.inline')
  t.eq('return', inline.next_word('return a + b'))
  t.eq(' a', inline.next_word(' a + b'))
  t.eq(' +', inline.next_word(' + b'))
  t.eq('\n    return', inline.next_word('\n    return x'))
  t.eq('x = 1', inline.next_line('x = 1\ny = 2'))
  t.eq('\ny = 2', inline.next_line('\ny = 2\nz'))
end)

t.finish()
