-- The report file the same job rewrites (report-freshness.lua checks its
-- row): it must be there, recent, and not empty.
scenario { name = "report file", tags = { "data" } }

step("report file rewritten", { timeout = "10s" }, function()
  local age, size = fs.fresh(vars.REPORT_FILE, vars.REPORT_MAX_AGE or "1m")
  expect(size, "report size"):gt(0)
  log("rewritten", telltale.format_duration(age), "ago,", size, "bytes")
end)
