-- expect.lua — assertions for scenarios.
--
--   expect(resp.status):eq(200)
--   expect(body, "greeting"):match("^hello")
--   expect(list):contains("x")
--
-- A failed expectation fails the step with kind `assertion`; the message
-- shows expected and actual values, and the engine adds the scenario's
-- file:line.  Every method returns the expectation, so checks chain:
-- expect(n):ge(1):le(10).  The exception is :match, which returns the
-- pattern's captures (or the whole match), to pull a value out of text.

local telltale = telltale

local MAX_SHOWN = 200

-- Keys in a stable order: integers first (ascending), then the rest by
-- their string form, so a message is the same from run to run.
local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    local ia, ib = math.type(a) == "integer", math.type(b) == "integer"
    if ia ~= ib then return ia end
    if ia then return a < b end
    return tostring(a) < tostring(b)
  end)
  return keys
end

local function show(v, depth)
  depth = depth or 0
  local t = type(v)
  if v == json.null then
    return "null"
  elseif t == "string" then
    local s = string.format("%q", v):gsub("\\\n", "\\n")
    if #s > MAX_SHOWN then s = s:sub(1, MAX_SHOWN) .. '..."' end
    return s
  elseif t == "table" and depth < 2 then
    local parts, n = {}, 0
    for _, k in ipairs(sorted_keys(v)) do
      n = n + 1
      if n > 8 then parts[#parts + 1] = "..."; break end
      if math.type(k) == "integer" and k == n then
        parts[#parts + 1] = show(v[k], depth + 1)
      else
        parts[#parts + 1] = tostring(k) .. "=" .. show(v[k], depth + 1)
      end
    end
    return "{" .. table.concat(parts, ", ") .. "}"
  elseif t == "table" then
    return next(v) == nil and "{}" or "{...}"
  end
  return tostring(v)
end

local function deep_equal(a, b)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" then return false end
  for k, v in pairs(a) do
    if not deep_equal(v, b[k]) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

local function path_step(path, k)
  if type(k) == "string" and k:match("^[%a_][%w_]*$") then return path .. "." .. k end
  return path .. "[" .. show(k) .. "]"
end

-- The first place, in sorted key order, where actual and expected differ:
-- its path (".items[2].name") and the two values there.
local function first_difference(actual, expected, path)
  if deep_equal(actual, expected) then return nil end
  if type(actual) ~= "table" or type(expected) ~= "table" then return path, actual, expected end
  local keys, seen = sorted_keys(expected), {}
  for _, k in ipairs(keys) do seen[k] = true end
  for _, k in ipairs(sorted_keys(actual)) do
    if not seen[k] then keys[#keys + 1] = k end
  end
  for _, k in ipairs(keys) do
    local p, a, e = first_difference(actual[k], expected[k], path_step(path, k))
    if p then return p, a, e end
  end
  return path, actual, expected
end

local function absent(v) return v == nil and "(absent)" or show(v) end

local Expectation = {}
Expectation.__index = Expectation

local function check(self, ok, fmt, ...)
  if ok then return self end
  local msg = string.format(fmt, ...)
  if self.label then msg = self.label .. ": " .. msg end
  error(telltale.failure("assertion", msg), 3)
end

local function comparable(self, expected, op)
  local a, e = type(self.actual), type(expected)
  if not ((a == "number" and e == "number") or (a == "string" and e == "string")) then
    local msg = string.format("cannot compare %s %s %s", show(self.actual), op, show(expected))
    if self.label then msg = self.label .. ": " .. msg end
    error(telltale.failure("assertion", msg), 3)
  end
end

function Expectation:eq(expected)
  if type(expected) == "table" and type(self.actual) == "table" and not deep_equal(self.actual, expected) then
    local path, a, e = first_difference(self.actual, expected, "")
    return check(self, false, "expected %s, got %s: first difference at %s: expected %s, got %s", show(expected),
      show(self.actual), path == "" and "the top" or path, absent(e), absent(a))
  end
  return check(self, deep_equal(self.actual, expected), "expected %s, got %s", show(expected), show(self.actual))
end

function Expectation:ne(unexpected)
  return check(self, not deep_equal(self.actual, unexpected), "expected anything but %s", show(unexpected))
end

function Expectation:lt(limit)
  comparable(self, limit, "<")
  return check(self, self.actual < limit, "expected < %s, got %s", show(limit), show(self.actual))
end

function Expectation:le(limit)
  comparable(self, limit, "<=")
  return check(self, self.actual <= limit, "expected <= %s, got %s", show(limit), show(self.actual))
end

function Expectation:gt(limit)
  comparable(self, limit, ">")
  return check(self, self.actual > limit, "expected > %s, got %s", show(limit), show(self.actual))
end

function Expectation:ge(limit)
  comparable(self, limit, ">=")
  return check(self, self.actual >= limit, "expected >= %s, got %s", show(limit), show(self.actual))
end

function Expectation:match(pattern)
  if type(self.actual) ~= "string" then
    check(self, false, "expected a string matching %s, got %s", show(pattern), show(self.actual))
  end
  local found = table.pack(string.find(self.actual, pattern))
  check(self, found[1] ~= nil, "expected %s to match pattern %s", show(self.actual), show(pattern))
  if found.n > 2 then return table.unpack(found, 3, found.n) end
  return string.sub(self.actual, found[1], found[2])
end

function Expectation:contains(item)
  local actual = self.actual
  if type(actual) == "string" then
    return check(self, type(item) == "string" and string.find(actual, item, 1, true) ~= nil,
      "expected %s to contain %s", show(actual), show(item))
  elseif type(actual) == "table" then
    for _, v in pairs(actual) do
      if deep_equal(v, item) then return self end
    end
    return check(self, false, "expected %s to contain %s", show(actual), show(item))
  end
  return check(self, false, "expected a string or a table containing %s, got %s", show(item), show(actual))
end

function Expectation:truthy()
  return check(self, self.actual, "expected a truthy value, got %s", show(self.actual))
end

function Expectation:falsy()
  return check(self, not self.actual, "expected a falsy value, got %s", show(self.actual))
end

return function(actual, label, ...)
  telltale.check_nargs("expect", select("#", ...) + 2, 2)
  return setmetatable({ actual = actual, label = label }, Expectation)
end
