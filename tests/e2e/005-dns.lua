-- A name that cannot resolve: kind network, phase dns.
-- test: exit 1
-- test: stdout-has [network] DNS: cannot resolve no-such-host.invalid
-- test: json r["scenarios"][0]["steps"][0]["failure"]["phase"] == "dns"
-- test: within 10
step("resolve", function()
  http.get("http://no-such-host.invalid/")
end)
