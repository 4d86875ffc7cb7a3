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

-- The checks written in Lua over database handles, mailboxes and forms
-- (lib/db.lua, mail.lua, form.lua) load on first use: the first lookup
-- of a name the table lacks requires the module, which fills the table.
-- Most scenarios use none of them, and each costs every scenario state
-- its loading and its memory.
local function on_first_use(t, module)
  setmetatable(t, {
    __index = function(self, key)
      setmetatable(self, nil)
      require(module)
      return rawget(self, key)
    end,
  })
end
on_first_use(db._methods, "telltale.db")
on_first_use(mail._methods, "telltale.mail")
on_first_use(mail, "telltale.mail") -- mail.address
on_first_use(html._form_methods, "telltale.form")
