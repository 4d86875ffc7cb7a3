-- A scenario that passes without touching the network.
scenario { name = "oneshot-pass" }
step("first", function() expect(1):eq(1) end)
step("second", function() log("fine") end)
