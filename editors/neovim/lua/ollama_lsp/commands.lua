--- The :Ollama user command and its subcommands.
local chat = require('ollama_lsp.chat')
local client = require('ollama_lsp.client')
local format = require('ollama_lsp.format')

local M = {}

--- Model names seen in the last listModels answer, for command-line completion.
---@type string[]
M.known_models = {}

local function info(lines)
  vim.notify(table.concat(lines, '\n'), vim.log.levels.INFO, { title = 'ollama' })
end

local function remember(result)
  local names = {}
  for _, m in ipairs(result.models or {}) do
    table.insert(names, m.name)
  end
  for _, c in ipairs(result.catalog or {}) do
    if not c.pulled then
      table.insert(names, c.name)
    end
  end
  M.known_models = names
end

--- Call `fn(model)` with the given model, or with one the user picks from the list.
---@param model string|nil
---@param prompt string
---@param fn fun(model: string)
---@param include_catalog boolean|nil offer models that are not pulled yet
local function with_model(model, prompt, fn, include_catalog)
  if model and model ~= '' then
    return fn(model)
  end
  client.execute('ollama.listModels', nil, function(result)
    remember(result)
    local items = {}
    for _, m in ipairs(result.models or {}) do
      table.insert(items, { name = m.name, label = ('%s (%s%s)'):format(m.name, format.size(m.size), m.loaded and ', loaded' or '') })
    end
    if include_catalog then
      for _, c in ipairs(result.catalog or {}) do
        if not c.pulled then
          table.insert(items, { name = c.name, label = ('%s (%s, not pulled)'):format(c.name, format.size(c.sizeBytes)) })
        end
      end
    end
    vim.ui.select(items, {
      prompt = prompt,
      format_item = function(item)
        return item.label
      end,
    }, function(choice)
      if choice then
        fn(choice.name)
      end
    end)
  end)
end

---@type table<string, fun(args: string[], cmd: table)>
M.subcommands = {
  models = function()
    client.execute('ollama.listModels', nil, function(result)
      remember(result)
      info(format.model_lines(result))
    end)
  end,

  pull = function(args)
    with_model(args[1], 'Pull which model?', function(model)
      -- The progress notice and the server's own message say how the pull ended.
      client.execute('ollama.pullModel', { model = model }, function() end)
    end, true)
  end,

  cancel = function(args)
    with_model(args[1], 'Cancel the pull of which model?', function(model)
      client.execute('ollama.cancelPull', { model = model }, function(result)
        info({ result.cancelled and ('Cancelled the pull of ' .. model) or ('No pull of ' .. model .. ' is running') })
      end)
    end, true)
  end,

  switch = function(args)
    local role = args[2] or 'completion'
    if role ~= 'completion' and role ~= 'chat' then
      return vim.notify('ollama: the role is "completion" or "chat"', vim.log.levels.ERROR)
    end
    with_model(args[1], ('Model for %s:'):format(role), function(model)
      client.execute('ollama.switchModel', { model = model, role = role }, function(result)
        info({ ('%s model: %s (loaded in %d ms)'):format(result.role or role, result.model or model, result.loadMs or 0) })
      end)
    end)
  end,

  rm = function(args, cmd)
    with_model(args[1], 'Delete which model?', function(model)
      local function delete()
        client.execute('ollama.deleteModel', { model = model, confirm = true }, function(result)
          info({ result.deleted and ('Deleted ' .. model) or (model .. ' was not deleted') })
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
      return vim.notify('usage: :Ollama quant <model> <level> [completion|chat]  (level e.g. q4_K_M, q8_0)', vim.log.levels.ERROR)
    end
    client.execute('ollama.setQuantization', { model = model, level = level, role = role }, function(result)
      info({ ('%s at %s%s%s'):format(result.model or model, result.level or level, result.created and ', created' or '', result.pulled and ', pulled' or '') })
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
      vim.ui.input({ prompt = 'Ask ollama: ' }, function(input)
        if input and input ~= '' then
          chat.send(input, selection)
        end
      end)
    else
      chat.send(message, selection)
    end
  end,

  status = function()
    client.execute('ollama.status', nil, function(result)
      info(format.status_lines(result))
    end)
  end,
}

--- Completion for the :Ollama command line.
---@param arglead string
---@param cmdline string
---@return string[]
function M.complete(arglead, cmdline)
  local words = vim.split(vim.trim(cmdline), '%s+')
  local nargs = #words - (arglead == '' and 0 or 1)
  local candidates
  if nargs <= 1 then
    candidates = vim.tbl_keys(M.subcommands)
    table.sort(candidates)
  elseif nargs == 2 and words[2] ~= 'chat' then
    candidates = M.known_models
  elseif (words[2] == 'switch' and nargs == 3) or (words[2] == 'quant' and nargs == 4) then
    candidates = { 'completion', 'chat' }
  else
    candidates = {}
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
    local names = vim.tbl_keys(M.subcommands)
    table.sort(names)
    return vim.notify('usage: :Ollama ' .. table.concat(names, ' | '), vim.log.levels.ERROR)
  end
  fn(vim.list_slice(cmd.fargs, 2), cmd)
end

function M.create()
  vim.api.nvim_create_user_command('Ollama', M.run, {
    nargs = '*',
    bang = true,
    range = true,
    complete = M.complete,
    desc = 'ollama-lsp: models | pull | cancel | switch | rm | quant | chat | status',
  })
end

return M
