-- The Lua floor's flow (floor_flow.c): flow.lua's requests and checks, in
-- plain Lua over one libcurl handle, with no engine around it.
local function check(c, what) if not c then error("check failed: " .. what) end end

function flow(base)
  local status, body = get(base .. "/json")
  check(status == 200, "status")
  check(body:find('"name": "canary"', 1, true), "name")
  local id = tonumber(body:match('"id": (%d+)'))
  check(id == 42, "id")
  status, body = get(base .. "/echo/headers?id=" .. id, "Bearer tok-1")
  check(status == 200, "status")
  check(body:find("args=id=42", 1, true), "args")
  check(body:find("method=GET", 1, true), "method")
  status, body = post(base .. "/echo/headers", '{"id":' .. id .. '}')
  check(status == 200, "status")
  check(body:find("method=POST", 1, true), "method")
  check(body:find("ct=application/json", 1, true), "ct")
  status = get(base .. "/cookie/set")
  check(status == 200, "status")
  status, body = get(base .. "/cookie/check")
  check(status == 200, "status")
  check(body:find("session=", 1, true), "cookie")
end
