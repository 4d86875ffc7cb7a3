-- A report job that dies quietly (exit 0, no output) leaves its report
-- stale: the row it refreshes must be recent.  (report-file.lua checks
-- the file the same job writes.)
scenario { name = "report freshness", tags = { "data" } }

step("report table refreshed", { timeout = "10s" }, function()
  local h = db.connect(vars.DB_DSN)
  -- The age comes from the database's own clock: client clock skew cannot fake it.
  local age = h:fresh("SELECT refreshed_at FROM reports WHERE name = 'daily'", vars.REPORT_MAX_AGE or "1m")
  log("refreshed", telltale.format_duration(age), "ago")
end)
