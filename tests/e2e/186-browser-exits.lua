-- A "chromium" that exits at once (here /bin/false): kind network, with
-- its exit status, not a hang until the deadline.
-- test: env TELLTALE_CHROMIUM=/bin/false
-- test: exit 1
-- test: stdout-has [network] the browser exited (exit status 1)
-- test: within 5
step("page", function()
  browser.page{}
end)
