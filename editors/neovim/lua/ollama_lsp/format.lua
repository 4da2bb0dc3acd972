--- Pure text formatting shared by the commands, the statusline and the chat buffer.
local M = {}

--- Bytes as a short human size ("4.1 GB").
---@param bytes number|nil
---@return string
function M.size(bytes)
  if type(bytes) ~= 'number' then
    return '?'
  end
  local units = { 'B', 'KB', 'MB', 'GB', 'TB' }
  local i = 1
  while bytes >= 1000 and i < #units do
    bytes = bytes / 1000
    i = i + 1
  end
  return i == 1 and ('%d B'):format(bytes) or ('%.1f %s'):format(bytes, units[i])
end

local ROW = '%-38s %9s %7s  %-7s %-4s %s'

--- The `ollama.listModels` result as a table: pulled models, then the catalog to pull, each
--- under a heading; lines are {text, highlight group}.
---@param result table `ollama.listModels` result
---@return ollama_lsp.ViewLine[]
function M.model_lines(result)
  local lines = {}
  local function heading(text)
    if #lines > 0 then
      table.insert(lines, { '' })
    end
    table.insert(lines, { text, 'Title' })
    table.insert(lines, { ROW:format('name', 'size', 'params', 'quant', 'fim', 'state'), 'Comment' })
  end
  local models = result.models or {}
  if #models == 0 then
    table.insert(lines, { 'No models pulled yet: :Ollama pull <model>', 'WarningMsg' })
  else
    heading('Pulled')
  end
  for _, m in ipairs(models) do
    local flags = {}
    if m.loaded then
      table.insert(flags, 'loaded')
    end
    for _, role in ipairs(m.roles or {}) do
      table.insert(flags, role)
    end
    if vim.tbl_contains(m.capabilities or {}, 'embedding') then
      table.insert(flags, 'embedding')
    end
    local row = ROW:format(m.name, M.size(m.size), m.parameterSize or '', m.quantization or '', m.supportsFim and 'yes' or '', table.concat(flags, ', '))
    table.insert(lines, { row, #(m.roles or {}) > 0 and 'Special' or nil })
  end
  local available = vim.tbl_filter(function(c)
    return not c.pulled
  end, result.catalog or {})
  if #available > 0 then
    heading('Available to pull (* recommended for this machine)')
  end
  for _, c in ipairs(available) do
    local note = c.recommended and '*' or (c.fits == false and 'may not fit in memory' or '')
    local row = ROW:format(c.name, M.size(c.sizeBytes), (c.parameterSize or ''):upper(), c.quantization or '', c.supportsFim and 'yes' or '', note)
    table.insert(lines, { row, c.recommended and 'Special' or (c.fits == false and 'Comment' or nil) })
  end
  return lines
end

--- One endpoint of `ollama.status`: health, engine, loaded models, latency and share.
---@param e table
---@return string
function M.endpoint_summary(e)
  if not e.healthy then
    return 'unreachable: ' .. (e.error or 'no answer')
  end
  local parts = { e.api == 'openai' and 'ok, OpenAI-compatible' or ('ok, Ollama ' .. (e.version or '?')) }
  if e.loadedModels and #e.loadedModels > 0 then
    table.insert(parts, 'loaded: ' .. table.concat(e.loadedModels, ', '))
  end
  if type(e.latencyMs) == 'number' then
    table.insert(parts, ('%d ms to first token'):format(math.floor(e.latencyMs + 0.5)))
  end
  if (e.requests or 0) > 0 then
    table.insert(parts, ('%d%% of requests'):format(math.floor((e.share or 0) * 100 + 0.5)))
  end
  return table.concat(parts, ', ')
end

--- The `ollama.status` result as readable lines.
---@param s table
---@param current table|nil the last `ollama/status` (for the speed)
---@return string[]
function M.status_lines(s, current)
  local lines = { ('State: %s'):format(s.state or '?') }
  if current and type(current.tokensPerSecond) == 'number' then
    table.insert(lines, ('Last speed: %.0f tokens/s'):format(current.tokensPerSecond))
  end
  local roles = s.roles or {}
  table.insert(lines, ('Completion model: %s'):format(roles.completion or '-'))
  table.insert(lines, ('Chat model: %s'):format(roles.chat or '-'))
  for _, e in ipairs(s.endpoints or {}) do
    table.insert(lines, ('Endpoint %s: %s'):format(e.url, M.endpoint_summary(e)))
  end
  for _, err in ipairs(s.lastErrors or {}) do
    table.insert(lines, 'Error: ' .. (type(err) == 'table' and (err.message or vim.inspect(err)) or tostring(err)))
  end
  vim.list_extend(lines, M.outcome_lines((s.suggestions or {}).completion))
  return lines
end

---@param rate number|nil
---@return string
local function percent(rate)
  return type(rate) == 'number' and ('%d%%'):format(math.floor(rate * 100 + 0.5)) or '-'
end

---@param c table counts with their rates
---@return string
local function outcomes(c)
  return ('%d shown, %s accepted, %s partly, %s dismissed'):format(c.shown or 0, percent(c.acceptedRate), percent(c.partialRate), percent(c.dismissedRate))
end

--- What became of the suggestions shown (`ollama.status`'s `suggestions.completion`): the
--- totals, then one line per language and per model.
---@param c table|nil
---@return string[]
function M.outcome_lines(c)
  if not c or (c.shown or 0) == 0 then
    return {}
  end
  local lines = { 'Suggestions: ' .. outcomes(c) }
  for _, row in ipairs(c.byLanguage or {}) do
    table.insert(lines, ('  in %s: %s'):format(row.language ~= '' and row.language or '?', outcomes(row)))
  end
  for _, row in ipairs(c.byModel or {}) do
    table.insert(lines, ('  with %s: %s'):format(row.model, outcomes(row)))
  end
  return lines
end

--- The statusline text from the last `ollama/status` and any running progress.
---@param status table|nil last `ollama/status` params
---@param progress table|nil {title, message, percentage} of the newest running task
---@param enabled boolean|nil false when suggestions are toggled off
---@return string
function M.statusline(status, progress, enabled)
  if progress then
    local pct = progress.percentage and (' %d%%'):format(progress.percentage) or ''
    return ('ollama: %s%s'):format(progress.title or 'working', pct)
  end
  if not status then
    return ''
  end
  local parts = { 'ollama:' }
  if status.model and status.model ~= '' then
    table.insert(parts, status.model)
  end
  local state = enabled == false and 'off' or status.state or '?'
  if type(status.tokensPerSecond) == 'number' and (state == 'idle' or state == 'generating') then
    state = ('%s %.0f tok/s'):format(state, status.tokensPerSecond)
  end
  if type(status.suggestionMs) == 'number' and state ~= 'error' then
    -- the last suggestion: its time, and the share of its prompt from the model's cache
    local cached = type(status.cachedShare) == 'number' and (' %d%% cached'):format(status.cachedShare * 100 + 0.5) or ''
    state = ('%s %d ms%s'):format(state, status.suggestionMs, cached)
  end
  table.insert(parts, '[' .. state .. ']')
  return table.concat(parts, ' ')
end

return M
