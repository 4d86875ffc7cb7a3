-- eventually.lua — the primitive every side-effect wait is built on.
--
--   local row = eventually(function() return find_row() end, { timeout = "10s", interval = "200ms" })
--
-- Calls fn until it returns a truthy value without raising, sleeping
-- between attempts with backoff (interval, growing `backoff` times, 1.5 by
-- default, up to 2s or the interval if larger; backoff = 1 polls evenly).  It never runs past the step's deadline: it keeps a
-- small margin so that, on expiry, the step fails with kind `missing` and
-- the last error or value in the detail, instead of being cut off by the
-- step timeout.

local telltale = telltale

local DEFAULT_INTERVAL_MS = 100
local MAX_INTERVAL_MS = 2000

local function describe(v)
  if telltale.is_failure(v) then
    local s = string.format("[%s] %s", v.kind, v.message)
    if v.detail then s = s .. "\n" .. v.detail end
    return s
  end
  return tostring(v)
end

local check_opts = telltale.options("eventually", {
  "timeout:duration", "interval:duration", "message:string", "backoff:number",
})

return function(fn, opts, ...)
  if type(fn) ~= "function" then
    error("bad argument #1 to 'eventually' (function expected, got " .. type(fn) .. ")", 2)
  end
  telltale.check_nargs("eventually", select("#", ...) + 2, 2)
  check_opts(opts)
  opts = opts or {}
  local remaining = telltale.remaining()
  local budget = remaining - math.min(100, remaining // 10)
  if opts.timeout ~= nil then budget = math.min(budget, telltale.duration(opts.timeout)) end
  local interval = opts.interval ~= nil and telltale.duration(opts.interval) or DEFAULT_INTERVAL_MS
  local max_interval = math.max(interval, MAX_INTERVAL_MS)
  local backoff = opts.backoff or 1.5
  if type(backoff) ~= "number" or backoff < 1 then
    error("bad option 'backoff' to 'eventually' (a number >= 1 expected)", 2)
  end
  local started = telltale.now()
  local deadline = started + budget
  local attempts, last = 0, nil

  while true do
    attempts = attempts + 1
    local ok, value = pcall(fn)
    if ok and value then return value end
    last = ok and ("returned " .. tostring(value)) or ("raised " .. describe(value))
    local now = telltale.now()
    if now >= deadline then break end
    sleep(math.min(interval, deadline - now) / 1000)
    interval = math.min(interval * backoff, max_interval)
  end

  local waited = (telltale.now() - started) / 1000
  local what = opts.message or "condition"
  local failure = telltale.failure("missing",
    string.format("%s not met after %.1fs (%d attempts)", what, waited, attempts),
    "last attempt " .. last)
  error(failure, 2)
end
