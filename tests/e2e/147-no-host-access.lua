-- The sandbox: no processes, no file writes, no C loading, no debug
-- library beyond traceback; files can still be read, and lib/ modules and
-- modules beside the scenario still load (os.execute, io.popen, writing
-- io.open, package.loadlib and debug were all available).
-- test: exit 0
step("processes and writes refused", function()
  expect(os.execute):eq(nil)
  expect(io.popen):eq(nil)
  expect(os.remove):eq(nil)
  expect(os.rename):eq(nil)
  expect(os.tmpname):eq(nil)
  expect(io.tmpfile):eq(nil)
  expect(io.write):eq(nil)
  expect(package.loadlib):eq(nil)
  expect(#package.searchers):eq(2)
  expect(require("os").execute):eq(nil)
  local ok, err = pcall(io.open, run.file .. ".written", "w")
  expect(ok):falsy()
  expect(tostring(err)):contains("for reading only")
  ok, err = pcall(io.open, run.file, "a+")
  expect(ok):falsy()
end)

step("debug is traceback only", function()
  expect(debug.sethook):eq(nil)
  expect(debug.getinfo):eq(nil)
  expect(debug.traceback("here")):contains("here")
end)

step("reading still works", function()
  local f = assert(io.open(run.file, "rb"))
  expect(f:read("l")):contains("The sandbox")
  f:close()
  local n = 0
  for _ in io.lines(run.file) do n = n + 1 end
  expect(n):gt(10)
  expect(require("telltale.expect")):truthy()
  expect(os.time()):gt(0)
  expect(os.getenv("PATH")):truthy()
end)
