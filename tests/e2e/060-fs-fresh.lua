-- fs.fresh: a file written just now passes with its age and size; a missing
-- file and one 2 hours old fail with kind missing, saying which and how old.
-- (--unsafe-lua: the case writes its own files and runs touch(1), which
-- the sandbox does not allow.)
-- test: args --unsafe-lua --var "DIR=$TT_DIR"
-- test: exit 1
-- test: stdout-has [missing] $TT_DIR/fs-stale.csv is 2h00m old, allowed 1h00m
-- test: json r["scenarios"][0]["steps"][0]["status"] == "passed"
-- test: json r["scenarios"][0]["steps"][1]["status"] == "passed"
-- test: json r["scenarios"][0]["steps"][2]["failure"]["kind"] == "missing"
-- test: json "size: 4 bytes" in r["scenarios"][0]["steps"][2]["failure"]["detail"]
-- test: json r["scenarios"][0]["steps"][2]["failure"]["where"].endswith("060-fs-fresh.lua:40")
local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

step("fresh file", function()
  local path = vars.DIR .. "/fs-fresh.csv"
  write(path, "a,b\n1,2\n")
  local age, size = fs.fresh(path, "1m")
  expect(age, "age"):ge(0):lt(5000)
  expect(size, "size"):eq(8)
end)

step("missing file and misuse", function()
  local ok, err = pcall(fs.fresh, vars.DIR .. "/fs-nothing.csv", "1h")
  expect(ok):falsy()
  expect(err.kind):eq("missing")
  expect(err.message):eq(vars.DIR .. "/fs-nothing.csv does not exist (max age 1h00m)")
  ok, err = pcall(fs.fresh, vars.DIR .. "/fs-fresh.csv", "5x")
  expect(tostring(err)):contains("bad argument #2")
end)

step("stale file", function()
  local path = vars.DIR .. "/fs-stale.csv"
  write(path, "old\n")
  assert(os.execute("touch -d '2 hours ago' " .. path))
  fs.fresh(path, "1h")
end)
