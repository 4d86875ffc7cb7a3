-- A broken check is kind script with the SQLSTATE; a wrong password is kind
-- network and says authentication; neither ever shows the password.
-- test: args --var "DSN=$TT_PG_DSN"
-- test: exit 1
-- test: stdout-has [script] column "nope" does not exist
-- test: json "SQLSTATE 42703" in r["scenarios"][0]["steps"][0]["failure"]["detail"]
-- test: stdout-lacks canary-s3cr3t-pa55
-- test: stdout-lacks wrong-pa55word
step("bad column", function()
  db.connect(vars.DSN):query("SELECT nope FROM users")
end)
