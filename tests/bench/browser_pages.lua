-- tests/bench/browser.py: K pages open at once, each on the page, then a
-- pause while the benchmark reads the processes' RSS.
step("pages", { timeout = "120s" }, function()
  local pages = {}
  for i = 1, tonumber(vars.K) do
    pages[i] = browser.page{}
    pages[i]:visit(vars.URL)
  end
  log("ready")
  sleep(vars.HOLD)
end)
