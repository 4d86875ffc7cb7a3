-- Support routing, table-driven: each question must reach its agent.
-- One step checks them all, so a failure lists every misrouted question.
scenario { name = "support routing", tags = { "api" } }

local cases = {
  { "I was charged twice this month", "billing" },
  { "Where can I download my invoice?", "billing" },
  { "my VAT number is wrong", "billing" },
  { "how do I reset my password", "account" },
  { "I can't log in since yesterday", "account" },
  { "2fa codes never arrive", "account" },
  { "The export button does nothing", "support" },
}

step("every question reaches its agent", { timeout = "10s" }, function()
  local wrong = {}
  for _, case in ipairs(cases) do
    local question, want = case[1], case[2]
    local got = http.post(vars.BASE_URL .. "/support/route", { json = { question = question } }):json()
    log(string.format("%q -> %s (%s)", question, got.agent, got.matched))
    if got.agent ~= want then
      wrong[#wrong + 1] = string.format("%q went to %s (%s), expected %s", question, got.agent, got.matched, want)
    end
  end
  if #wrong > 0 then
    fail(string.format("%d of %d questions misrouted: %s", #wrong, #cases, wrong[1]), table.concat(wrong, "\n"))
  end
end)
