-- No Chromium: a clear error naming the package, kind script.
-- test: env TELLTALE_CHROMIUM=/nonexistent/chromium
-- test: exit 1
-- test: stdout-has [script] browser: chromium not found at /nonexistent/chromium (TELLTALE_CHROMIUM; apt-get install chromium)
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "script"
-- test: within 5
step("page", function()
  browser.page{}
end)
