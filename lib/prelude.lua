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

expect = require("telltale.expect")
eventually = require("telltale.eventually")
require("telltale.db")
require("telltale.mail")
require("telltale.form")
