-- net.tcp tells the three ways a port can be unreachable apart: refused
-- (an RST), filtered (no answer: the connect times out) and a name that
-- does not resolve; an open port passes and says how long it took.  The
-- last step lets the refusal fail the scenario, as a user would see it.
-- test: args --var CLOSED=$TT_CLOSED_PORT --var FILTERED=$TT_FILTERED_PORT --var OPEN=$TT_HTTP_PORT
-- test: exit 1
-- test: json [s["status"] for s in r["scenarios"][0]["steps"]] == ["passed", "passed", "failed"]
-- test: stdout-has [network] connection to 127.0.0.1 (127.0.0.1:
-- test: json r["scenarios"][0]["steps"][2]["failure"]["phase"] == "connect"
-- test: json r["scenarios"][0]["steps"][1]["duration_ms"] < 1500
-- test: within 5
local function failure_of(opts)
  local ok, err = pcall(net.tcp, opts)
  expect(ok):falsy()
  expect(err.kind):eq("network")
  return err
end

step("open port", function()
  local r = net.tcp { host = "127.0.0.1", port = tonumber(vars.OPEN) }
  expect(r.address):eq("127.0.0.1:" .. vars.OPEN)
  expect(r.connect_ms):lt(1000)
end)

step("refused, filtered and DNS told apart", function()
  local refused = failure_of { host = "127.0.0.1", port = tonumber(vars.CLOSED) }
  expect(refused.message):contains("refused: nothing listens there")
  expect(refused.phase):eq("connect")
  local filtered = failure_of { host = "127.0.0.1", port = tonumber(vars.FILTERED), timeout = "500ms" }
  expect(filtered.message):contains("timed out after 500 ms: no answer at all")
  expect(filtered.message):contains("(filtered)")
  local dns = failure_of { host = "no-such-host.invalid", port = 25 }
  expect(dns.message):contains("DNS lookup of no-such-host.invalid failed")
  expect(dns.phase):eq("dns")
end)

step("refused fails the step", function() net.tcp { host = "127.0.0.1", port = tonumber(vars.CLOSED) } end)
