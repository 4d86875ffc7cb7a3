-- A connection that dies while a query runs (here its socket destroyed
-- under the client, with no word from the server) is reported in phase
-- query: it said connect, though the connection had long been made.
-- test: args --var "DSN=$TT_PG_DSN"
-- test: background sleep 1; ss -K dst 127.0.0.1 dport = "$TT_PG_PORT" > /dev/null
-- test: exit 1
-- test: stdout-has [network] lost connection to database 127.0.0.1:
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "network"
-- test: json r["scenarios"][0]["steps"][0]["failure"]["phase"] == "query"
-- test: within 4
step("killed mid-query", function()
  db.connect(vars.DSN):query("SELECT pg_sleep(4.321)")
end)
