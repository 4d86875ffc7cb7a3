-- The start-up benchmark's scenario: one request.
step("one", function()
  expect(http.get(vars.BASE .. "/ok").status):eq(200)
end)
