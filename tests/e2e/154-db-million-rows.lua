-- A million narrow rows under the cap do not take gigabytes: each row is
-- copied out of its single-row PGresult (some 3 KB each) and that freed at
-- once, and the cap counts the memory the rows hold.  The peak resident
-- size is read from /proc (it was 3.4 GB; the bound is loose, for ASan).
-- test: args --max-body 64M --var "DSN=$TT_PG_DSN"
-- test: exit 0
-- test: json int(r["scenarios"][0]["steps"][0]["logs"][0].split()[2]) < 1500
-- test: within 60
step("a million rows", { timeout = "50s" }, function()
  local rows = db.connect(vars.DSN):query("SELECT 1 AS n FROM generate_series(1, 1000000)")
  expect(#rows):eq(1000000)
  expect(rows[1000000].n):eq(1)
  rows = nil
  local status = assert(io.open("/proc/self/status")):read("a")
  local peak_kb = tonumber(status:match("VmHWM:%s*(%d+)"))
  log("peak RSS " .. peak_kb // 1024 .. " MB")
  expect(peak_kb // 1024, "peak resident MB"):lt(1500)
end)
