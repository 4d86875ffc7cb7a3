-- --max-body caps the decoded size: 1 GiB of gzipped zeros (4 MB on the
-- wire) fails with kind http at the cap, without holding the gigabyte.
-- test: args --var BASE=$TT_HTTP --max-body 1m
-- test: exit 1
-- test: stdout-has [http] response body exceeds the 1048576-byte cap
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "http"
-- test: within 60
step("bomb", function()
  http.get(vars.BASE .. "/app/bomb")
end)
