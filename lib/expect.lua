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

local function show(v, depth)
  depth = depth or 0
  local t = type(v)
  if t == "string" then
    local s = string.format("%q", v):gsub("\\\n", "\\n")
    if #s > MAX_SHOWN then s = s:sub(1, MAX_SHOWN) .. '..."' end
    return s
  elseif t == "table" and depth < 2 then
    local parts, n = {}, 0
    for k, item in pairs(v) do
      n = n + 1
      if n > 8 then parts[#parts + 1] = "..."; break end
      if math.type(k) == "integer" and k == n then
        parts[#parts + 1] = show(item, depth + 1)
      else
        parts[#parts + 1] = tostring(k) .. "=" .. show(item, depth + 1)
      end
    end
    return "{" .. table.concat(parts, ", ") .. "}"
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

return function(actual, label)
  return setmetatable({ actual = actual, label = label }, Expectation)
end
