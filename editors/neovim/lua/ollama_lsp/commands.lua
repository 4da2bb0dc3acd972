--- The :Ollama user command, its subcommands and their command-line completion.
local chat = require('ollama_lsp.chat')
local client = require('ollama_lsp.client')
local format = require('ollama_lsp.format')
local inline = require('ollama_lsp.inline')
local status = require('ollama_lsp.status')
local view = require('ollama_lsp.view')

local M = {}

--- The last `ollama.listModels` answer: loaded when the server attaches, refreshed after every
--- command that changes the models, so completion is never empty or stale.
---@type table
M.models = { models = {}, catalog = {} }

--- Quantization levels offered for `:Ollama quant` (the library's usual ones).
M.levels = { 'q4_K_M', 'q4_K_S', 'q5_K_M', 'q6_K', 'q8_0', 'q4_0', 'fp16' }

--- Reload the model list; `then_` runs with it.
---@param then_ fun(result: table)|nil
function M.refresh(then_)
  client.execute('ollama.listModels', nil, function(result)
    M.models = result
    if then_ then
      then_(result)
    end
  end)
end

--- Pulled models that can do `role` (embedding models cannot complete or chat).
---@param role string|nil
---@return table[]
local function usable(role)
  return vim.tbl_filter(function(m)
    local caps = m.capabilities or {}
    return role == nil or #caps == 0 or vim.tbl_contains(caps, 'completion')
  end, M.models.models or {})
end

---@return string[]
local function names(models)
  return vim.tbl_map(function(m)
    return m.name
  end, models)
end

--- Catalog tags not pulled yet.
---@return string[]
local function pullable()
  local out = {}
  for _, c in ipairs(M.models.catalog or {}) do
    if not c.pulled then
      table.insert(out, c.name)
    end
  end
  return out
end

--- Models being pulled now (from the running progress titles).
---@return string[]
function M.pulling()
  local out = {}
  for _, task in pairs(status.progress) do
    local model = (task.title or ''):match('^Pulling (%S+)')
    if model then
      table.insert(out, model)
    end
  end
  table.sort(out)
  return out
end

--- Call `fn(model)` with `model`, or with one the user picks from `candidates()`.
---@param model string|nil
---@param prompt string
---@param candidates fun(): string[]
---@param fn fun(model: string)
local function with_model(model, prompt, candidates, fn)
  if model and model ~= '' then
    return fn(model)
  end
  local items = candidates()
  if #items == 0 then
    return vim.notify('ollama: nothing to choose from for: ' .. prompt, vim.log.levels.INFO)
  end
  vim.ui.select(items, { prompt = prompt }, function(choice)
    if choice then
      fn(choice)
    end
  end)
end

---@type table<string, fun(args: string[], cmd: table)>
M.subcommands = {
  models = function()
    M.refresh(function(result)
      view.open('Ollama models', format.model_lines(result))
    end)
  end,

  pull = function(args)
    with_model(args[1], 'Pull which model?', pullable, function(model)
      -- The command line shows the progress; the server's message says how it ended.
      client.execute('ollama.pullModel', { model = model }, function()
        M.refresh()
      end, function()
        M.refresh()
      end)
    end)
  end,

  cancel = function(args)
    with_model(args[1], 'Cancel the pull of which model?', M.pulling, function(model)
      client.execute('ollama.cancelPull', { model = model }, function(result)
        if not result.cancelled then
          vim.notify(('ollama: no pull of %s is running'):format(model), vim.log.levels.INFO)
        end
      end)
    end)
  end,

  switch = function(args)
    local role = args[2] or 'completion'
    if role ~= 'completion' and role ~= 'chat' then
      return vim.notify('ollama: the role is "completion" or "chat"', vim.log.levels.ERROR)
    end
    local function candidates()
      return names(usable(role))
    end
    with_model(args[1], ('Model for %s:'):format(role), candidates, function(model)
      -- The server's message says the model is loaded (or why not).
      client.execute('ollama.switchModel', { model = model, role = role }, function()
        M.refresh()
      end)
    end)
  end,

  rm = function(args, cmd)
    local function candidates()
      return names(M.models.models or {})
    end
    with_model(args[1], 'Delete which model?', candidates, function(model)
      local function delete()
        client.execute('ollama.deleteModel', { model = model, confirm = true }, function()
          M.refresh()
        end)
      end
      if cmd.bang then
        return delete()
      end
      vim.ui.select({ 'Delete', 'Keep' }, { prompt = ('Delete %s from disk?'):format(model) }, function(choice)
        if choice == 'Delete' then
          delete()
        end
      end)
    end)
  end,

  quant = function(args)
    local model, level, role = args[1], args[2], args[3]
    if not model or not level then
      return vim.notify('ollama: usage: :Ollama quant {model} {level} [completion|chat]  (level e.g. q4_K_M, q8_0)', vim.log.levels.ERROR)
    end
    client.execute('ollama.setQuantization', { model = model, level = level, role = role }, function()
      M.refresh()
    end)
  end,

  chat = function(args, cmd)
    local message = table.concat(args, ' ')
    if message == 'new' then
      chat.reset()
      return chat.open()
    end
    local selection = nil
    if cmd.range and cmd.range > 0 then
      local c = client.get()
      local encoding = c and c.offset_encoding or 'utf-16'
      local range = vim.lsp.util.make_given_range_params({ cmd.line1, 0 }, { cmd.line2, math.huge }, 0, encoding).range
      selection = { uri = vim.uri_from_bufnr(0), range = range }
    end
    if message == '' then
      chat.open({ selection = selection })
    else
      chat.send(message, selection)
    end
  end,

  toggle = function()
    local on = inline.toggle()
    status.redraw()
    vim.notify(('ollama: suggestions %s'):format(on and 'on' or 'off'), vim.log.levels.INFO)
  end,

  status = function()
    client.execute('ollama.status', nil, function(result)
      local lines = vim.tbl_map(function(line)
        return { line }
      end, format.status_lines(result, status.current))
      view.open('Ollama status', lines)
    end)
  end,
}

--- Completion for the :Ollama command line.
---@param arglead string
---@param cmdline string
---@return string[]
function M.complete(arglead, cmdline)
  local words = vim.split(vim.trim(cmdline:gsub('^%S*Ollama!?', 'Ollama')), '%s+')
  local nargs = #words - (arglead == '' and 0 or 1)
  local sub = words[2]
  local candidates = {}
  if nargs <= 1 then
    candidates = vim.tbl_keys(M.subcommands)
    table.sort(candidates)
  elseif nargs == 2 then
    if sub == 'pull' then
      candidates = pullable()
    elseif sub == 'switch' then
      candidates = names(usable('completion'))
    elseif sub == 'rm' or sub == 'quant' then
      candidates = names(M.models.models or {})
    elseif sub == 'cancel' then
      candidates = M.pulling()
    end
  elseif sub == 'switch' and nargs == 3 or sub == 'quant' and nargs == 4 then
    candidates = { 'completion', 'chat' }
  elseif sub == 'quant' and nargs == 3 then
    candidates = M.levels
  end
  return vim.tbl_filter(function(c)
    return vim.startswith(c, arglead)
  end, candidates)
end

--- Run `:Ollama {sub} {args}`.
---@param cmd table as given to nvim_create_user_command callbacks
function M.run(cmd)
  local sub = cmd.fargs[1]
  local fn = sub and M.subcommands[sub]
  if not fn then
    local all = vim.tbl_keys(M.subcommands)
    table.sort(all)
    return vim.notify('ollama: usage: :Ollama ' .. table.concat(all, ' | '), vim.log.levels.ERROR)
  end
  fn(vim.list_slice(cmd.fargs, 2), cmd)
end

function M.create()
  vim.api.nvim_create_user_command('Ollama', M.run, {
    nargs = '*',
    bang = true,
    range = true,
    complete = M.complete,
    desc = 'ollama-lsp: models | pull | cancel | switch | rm | quant | chat | toggle | status',
  })
end

return M
