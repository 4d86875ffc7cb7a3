-- tests/bench/browser.py: start a page, visit, then N page:eval and N
-- page:text calls, each timed (log lines "eval MS" / "text MS").
step("steps", { timeout = "120s" }, function()
  local t0 = telltale.now()
  local page = browser.page{}
  page:visit(vars.URL)
  log("start " .. (telltale.now() - t0))
  for _ = 1, tonumber(vars.N) do
    local t = telltale.now()
    page:eval("1 + 1")
    log("eval " .. (telltale.now() - t))
    t = telltale.now()
    page:text("#title")
    log("text " .. (telltale.now() - t))
  end
end)
