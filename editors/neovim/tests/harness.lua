--- A minimal test runner for `nvim --headless -l`: test(), eq(), wait_for(), finish().
local M = { passed = 0, failed = 0, failures = {} }

local root = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h:h')
vim.opt.rtp:prepend(root)
package.path = root .. '/tests/?.lua;' .. package.path

---@param name string
---@param fn fun()
function M.test(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  if ok then
    M.passed = M.passed + 1
    io.stdout:write('ok   ' .. name .. '\n')
  else
    M.failed = M.failed + 1
    table.insert(M.failures, name)
    io.stdout:write('FAIL ' .. name .. '\n' .. tostring(err) .. '\n')
  end
end

function M.eq(expected, actual, what)
  if not vim.deep_equal(expected, actual) then
    error(('%s: expected %s, got %s'):format(what or 'value', vim.inspect(expected), vim.inspect(actual)), 2)
  end
end

function M.truthy(value, what)
  if not value then
    error((what or 'value') .. ' is not truthy', 2)
  end
end

--- Process events until `cond()` holds; fail with `what` after `ms` milliseconds.
function M.wait_for(cond, what, ms)
  if not vim.wait(ms or 5000, cond, 10) then
    error('timed out waiting for ' .. (what or 'condition'), 2)
  end
end

--- Replace vim.notify; returns the list that receives {msg, level}.
function M.capture_notify()
  local seen = {}
  vim.notify = function(msg, level)
    table.insert(seen, { msg = msg, level = level })
  end
  return seen
end

--- Whether any captured notification contains `needle` (plain text).
function M.notified(seen, needle)
  for _, n in ipairs(seen) do
    if n.msg:find(needle, 1, true) then
      return true
    end
  end
  return false
end

function M.finish()
  io.stdout:write(('%d passed, %d failed\n'):format(M.passed, M.failed))
  io.stdout:flush()
  os.exit(M.failed == 0 and 0 or 1)
end

return M
