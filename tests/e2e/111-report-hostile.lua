-- Reports stay valid whatever bytes a scenario or a server produces: the
-- JSON report is strict UTF-8 (invalid bytes become U+FFFD), the JUnit
-- report well-formed XML 1.0 (run.sh validates both), the body excerpt is
-- cut on a character boundary, and the console shows control characters
-- and escape sequences instead of obeying them.
-- test: args --var BASE=$TT_HTTP
-- test: exit 1
-- test: json __import__("json").loads(open("$TT_DIR/report.json", "rb").read().decode("utf-8", "strict"))["version"] == 1
-- test: json "\ufffd" in r["scenarios"][0]["steps"][0]["failure"]["message"]
-- test: json "\x1b[2J" in r["scenarios"][0]["steps"][0]["failure"]["message"]
-- test: json r["scenarios"][0]["teardown"][0]["failure"]["detail"].startswith("a" * 1023 + "\n")
-- test: json "\ufffd" in r["scenarios"][0]["steps"][0]["logs"][0]
-- test: stdout-has \e[2J\e]0;pwned\x07 \x0dPASS fake
-- test: stdout-has | log �� \e[31mred
step("hostile message", function()
  log("log \xff\xfe \27[31mred")
  error("bad \xff\xc3 bytes \1\2 \27[2J\27]0;pwned\7 \rPASS fake", 0)
end)

-- 1023 bytes then "é": a 1024-byte cut would split it
teardown(function()
  http.post(vars.BASE .. "/echo/body", { body = string.rep("a", 1023) .. "\xc3\xa9" .. "tail", expect = 201 })
end)
