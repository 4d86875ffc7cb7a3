-- prelude.lua — loaded into every scenario state before the scenario file.
-- Installs the globals written in Lua (expect, eventually) on top of the C
-- primitives in the `telltale` table.

local telltale = telltale

-- Stable iteration order for query strings and form bodies: the same
-- scenario always sends the same bytes.
function telltale.sorted_pairs(t)
  local list = {}
  for k, v in pairs(t) do list[#list + 1] = { k, v } end
  table.sort(list, function(a, b) return tostring(a[1]) < tostring(b[1]) end)
  return list
end

-- What lib/ adds loads on first use, not in every scenario state: a
-- thousand scenarios waiting at once would each hold lib/expect.lua and
-- eventually.lua (20 KB of a state's 55), db.lua, mail.lua and form.lua
-- before they ever check anything.

-- expect and eventually: the global is a loader that requires the module on
-- its first call and puts the function in its place.  A tail call, so
-- the module's error levels still point at the scenario's line.
local function on_first_call(name, module)
  local fn
  local function load_then_call(...)
    if not fn then
      fn = require(module)
      if rawget(_G, name) == load_then_call then rawset(_G, name, fn) end
    end
    return fn(...)
  end
  _G[name] = load_then_call
end
on_first_call("expect", "telltale.expect")
on_first_call("eventually", "telltale.eventually")

-- db, mail and html load lib/db.lua, mail.lua and form.lua when a scenario
-- first uses them (script.c's modules, sandbox_lazy_libs).
