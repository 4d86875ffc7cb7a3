-- A SIGTERM in the first moments of the run, while the options are still
-- being read (a big --vars-file), waits for the run instead of killing the
-- process without a report.
-- test: args --vars-file $(python3 -c 'import sys; sys.stdout.write("".join("V%d=value %d\n" % (i, i) for i in range(300000)))' > "$TT_DIR/big.env"; echo "$TT_DIR/big.env")
-- test: signal TERM 0.1
-- test: exit 143
-- test: json r["interrupted_by"] == "SIGTERM"
-- test: json r["scenarios"][0]["status"] in ("failed", "skipped")
-- test: within 20
step("never really runs", function()
  sleep(30)
end)
