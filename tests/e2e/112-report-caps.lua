-- A huge error() message or fail() detail does not make a huge report:
-- messages are cut at 4 KiB and details at 64 KiB, on a character
-- boundary, with a note of the whole size.
-- test: exit 1
-- test: json len(open("$TT_DIR/report.json", "rb").read()) < 200000
-- test: json r["scenarios"][0]["steps"][0]["failure"]["message"].endswith("\u2026 (16777216 bytes, cut)")
-- test: json len(r["scenarios"][0]["steps"][0]["failure"]["message"].encode()) < 4200
-- test: json r["scenarios"][0]["teardown"][0]["failure"]["detail"].endswith("\u2026 (16777216 bytes, cut)")
-- test: json r["scenarios"][0]["teardown"][0]["failure"]["message"].endswith("bytes, cut)")
-- test: stdout-has bytes, cut)
step("huge error", function()
  error(string.rep("\xe2\x82\xac", 16777216 // 3) .. "x", 0)
end)

teardown(function()
  fail(string.rep("m", 8000), string.rep("d", 16777216))
end)
