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

--- One line per pulled model, then the catalog of models that can be pulled.
---@param result table `ollama.listModels` result
---@return string[]
function M.model_lines(result)
  local lines = {}
  for _, m in ipairs(result.models or {}) do
    local flags = {}
    if m.supportsFim then
      table.insert(flags, 'FIM')
    end
    if m.loaded then
      table.insert(flags, 'loaded')
    end
    for _, role in ipairs(m.roles or {}) do
      table.insert(flags, role)
    end
    table.insert(
      lines,
      ('%-36s %9s  %-8s %s'):format(
        m.name,
        M.size(m.size),
        m.quantization or '',
        table.concat(flags, ', ')
      )
    )
  end
  local available = {}
  for _, c in ipairs(result.catalog or {}) do
    if not c.pulled then
      table.insert(
        available,
        ('%-36s %9s  %-8s %s%s'):format(
          c.name,
          M.size(c.sizeBytes),
          c.quantization or '',
          c.supportsFim and 'FIM' or '',
          c.fits == false and ' (may not fit in memory)' or ''
        )
      )
    end
  end
  if #available > 0 then
    table.insert(lines, '')
    table.insert(lines, 'Available to pull:')
    vim.list_extend(lines, available)
  end
  if #lines == 0 then
    lines = { 'No models yet: :Ollama pull <model>' }
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
---@return string[]
function M.status_lines(s)
  local lines = { ('State: %s'):format(s.state or '?') }
  local roles = s.roles or {}
  table.insert(lines, ('Completion model: %s'):format(roles.completion or '-'))
  table.insert(lines, ('Chat model: %s'):format(roles.chat or '-'))
  for _, e in ipairs(s.endpoints or {}) do
    table.insert(lines, ('Endpoint %s: %s'):format(e.url, M.endpoint_summary(e)))
  end
  for _, err in ipairs(s.lastErrors or {}) do
    table.insert(lines, 'Error: ' .. (type(err) == 'table' and (err.message or vim.inspect(err)) or tostring(err)))
  end
  return lines
end

--- The statusline text from the last `ollama/status` and any running progress.
---@param status table|nil last `ollama/status` params
---@param progress table|nil {title, message, percentage} of the newest running task
---@return string
function M.statusline(status, progress)
  if progress then
    local pct = progress.percentage and (' %d%%'):format(progress.percentage) or ''
    local msg = progress.message and progress.message ~= '' and (' ' .. progress.message) or ''
    return ('ollama: %s%s%s'):format(progress.title or 'working', msg, pct)
  end
  if not status then
    return ''
  end
  local parts = { 'ollama:' }
  if status.model and status.model ~= '' then
    table.insert(parts, status.model)
  end
  local state = status.state or '?'
  if state == 'generating' and type(status.tokensPerSecond) == 'number' then
    state = ('%s %.0f tok/s'):format(state, status.tokensPerSecond)
  end
  table.insert(parts, '[' .. state .. ']')
  return table.concat(parts, ' ')
end

return M
