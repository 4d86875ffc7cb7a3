-- The HTTP benchmark's scenario: the same 10 requests as floor.c, each
-- checked, ITERATIONS times.
local paths = { "/ok", "/json", "/health", "/ok", "/json", "/health", "/ok", "/json", "/health", "/ok" }
step("loop", { timeout = "10m" }, function()
  for _ = 1, tonumber(vars.ITERATIONS) do
    for _, p in ipairs(paths) do
      local resp = http.get(vars.BASE .. p)
      expect(resp.status):eq(200)
    end
  end
end)
