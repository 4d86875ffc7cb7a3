-- With --artifacts a failed page step saves a screenshot, the HTML, the
-- console log and the network requests, and says where; a secret typed
-- into the page (and shown by it) is redacted in all of them (run.sh greps
-- the artifacts for it).  Artifacts are written when their step ends
-- (redacted with every secret the step learnt), so a second step looks.
-- test: args --var BASE=$TT_HTTP --artifacts $TT_DIR/artifacts --trace
-- test: exit 0
-- test: stderr-lacks s3cr3t-pa55
-- test: stdout-lacks s3cr3t-pa55
-- test: within 30
local list
step("fails", function()
  local page = browser.page{}
  page:visit(vars.BASE .. "/static/browser.html")
  page:fill("#name", secret("s3cr3t-pa55"))
  page:click("#go")
  page:wait_for{ text = "Welcome" }
  local ok, err = pcall(page.wait_for, page, { selector = "#never", timeout = "500ms" })
  expect(ok):eq(false)
  expect(err.kind):eq("timeout")
  expect(err.message):eq("deadline exceeded while waiting for selector '#never'")
  list = err.detail:match("artifacts: (.*)")
end)

step("looks", function()
  local seen = {}
  for path in list:gmatch("[^,%s]+") do
    local _, size = fs.fresh(path, "1m")
    expect(size > 0, path):eq(true)
    seen[path:match("%-([%w.]+)$")] = true
  end
  expect(seen):eq({ ["console.log"] = true, ["network.txt"] = true, ["page.png"] = true, ["page.html"] = true })
  local html = io.open(list:match("([^,%s]+page%.html)")):read("a")
  expect(html:find("[REDACTED]", 1, true) ~= nil):eq(true)
  local net = io.open(list:match("([^,%s]+network%.txt)")):read("a")
  expect(net):match("GET 200 %d+ms Document " .. vars.BASE:gsub("%p", "%%%0") .. "/static/browser%.html")
end)
