-- W3C trace context: every request carries traceparent with the scenario
-- run's trace id and a new span id (each hop of a redirect too); the trace
-- id is in the JSON and JUnit reports; a traceparent the scenario set is
-- sent as it is; traceparent = false sends none.
-- test: args --var BASE=$TT_HTTP
-- test: exit 0
-- test: json len(r["scenarios"][0]["trace_id"]) == 32
-- test: json r["scenarios"][0]["steps"][0]["logs"][0] == "00-" + r["scenarios"][0]["trace_id"] + "-" + r["scenarios"][0]["steps"][0]["requests"][0]["span_id"] + "-01"
-- test: json r["scenarios"][0]["steps"][0]["logs"][1] == "00-" + r["scenarios"][0]["trace_id"] + "-" + r["scenarios"][0]["steps"][0]["requests"][1]["span_id"] + "-01"
-- test: json len({q["span_id"] for q in r["scenarios"][0]["steps"][0]["requests"]}) == 4
-- test: json [q["status"] for q in r["scenarios"][0]["steps"][0]["requests"]] == [200, 200, 302, 200]
-- test: json r["scenarios"][0]["steps"][1]["requests"][0]["span_id"] is None
-- test: json r["scenarios"][0]["steps"][0]["requests"][0]["timings"]["total"] > 0
-- test: junit-has <property name="trace_id" value="
local function header(resp)
  return resp.body
end

step("a trace id per run, a span per request", function()
  local a, b = header(http.get(vars.BASE .. "/echo/traceparent")), header(http.get(vars.BASE .. "/echo/traceparent"))
  log(a)
  log(b)
  expect(a):match("^00%-" .. run.trace_id .. "%-%x+%-01$")
  expect(#a):eq(55)
  expect(a):ne(b)
  local c = header(http.get(vars.BASE .. "/trace/redirect", { follow = true }))
  expect(c):match("^00%-" .. run.trace_id .. "%-")
  expect(c):ne(a)
end)

step("the scenario's own traceparent, and none", function()
  local mine = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
  expect(header(http.get(vars.BASE .. "/echo/traceparent", { headers = { TraceParent = mine } }))):eq(mine)
  expect(header(http.get(vars.BASE .. "/echo/traceparent", { traceparent = false }))):eq("")
  local ok, err = pcall(http.get, vars.BASE .. "/ok", { traceparent = "no" })
  expect(ok):eq(false)
  expect(tostring(err)):contains("traceparent must be a boolean")
end)
