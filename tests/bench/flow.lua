-- The scale benchmark's flow (tests/bench/scale.py): 5 requests, 12 checks,
-- an id and a token extracted and reused, as PEERS.md measures the peers.
-- scale.py writes one copy of this file per scenario, and also runs it as
-- one looping step (LOOP=N) for the per-request latency row.
local token = "tok-" .. unique()
secret(token)

local function flow(base)
  local r = http.get(base .. "/json")
  expect(r.status):eq(200)
  local doc = r:json()
  expect(doc.name):eq("canary")
  local id = doc.id
  expect(id):eq(42)

  r = http.get(base .. "/echo/headers", { query = { id = id }, headers = { Authorization = "Bearer " .. token } })
  expect(r.status):eq(200)
  expect(r.body):contains("args=id=42")
  expect(r.body):contains("method=GET")

  r = http.post(base .. "/echo/headers", { json = { id = id } })
  expect(r.status):eq(200)
  expect(r.body):contains("method=POST")
  expect(r.body):contains("ct=application/json")

  expect(http.get(base .. "/cookie/set").status):eq(200)
  r = http.get(base .. "/cookie/check")
  expect(r.status):eq(200)
  expect(r.body):contains("session=")
end

if vars_get("LOOP") then
  step("loop", { timeout = "10m" }, function()
    for _ = 1, tonumber(vars.LOOP) do flow(vars.BASE) end
  end)
else
  -- The same flow as five steps, one request each, as a suite is written.
  local state = {}
  step("read the record", function()
    local r = http.get(vars.BASE .. "/json")
    expect(r.status):eq(200)
    local doc = r:json()
    expect(doc.name):eq("canary")
    expect(doc.id):eq(42)
    state.id = doc.id
  end)
  step("look it up with the token", function()
    local r = http.get(vars.BASE .. "/echo/headers",
      { query = { id = state.id }, headers = { Authorization = "Bearer " .. token } })
    expect(r.status):eq(200)
    expect(r.body):contains("args=id=42")
    expect(r.body):contains("method=GET")
  end)
  step("post it back", function()
    local r = http.post(vars.BASE .. "/echo/headers", { json = { id = state.id } })
    expect(r.status):eq(200)
    expect(r.body):contains("method=POST")
    expect(r.body):contains("ct=application/json")
  end)
  step("get a session", function()
    expect(http.get(vars.BASE .. "/cookie/set").status):eq(200)
  end)
  step("use the session", function()
    local r = http.get(vars.BASE .. "/cookie/check")
    expect(r.status):eq(200)
    expect(r.body):contains("session=")
  end)
end
