-- Binary chunks are refused by load, whatever mode is asked (crafted
-- bytecode crashes the VM: a segfault before); text still loads.
-- test: exit 1
-- test: stdout-has attempt to load a binary chunk (mode is 't')
-- test: json r["scenarios"][0]["steps"][0]["status"] == "passed"
-- test: json r["scenarios"][0]["steps"][1]["failure"]["kind"] == "script"
step("text loads, binary does not", function()
  expect(load("return 1 + 1")()):eq(2)
  local bytecode = string.dump(function() return 1 end)
  local f, err = load(bytecode, "dumped", "b")
  expect(f):eq(nil)
  expect(err):contains("attempt to load a binary chunk")
  f, err = load(function() local s = bytecode; bytecode = nil; return s end)
  expect(f):eq(nil)
  expect(err):contains("binary chunk")
end)

step("a crafted chunk", function()
  -- A valid header with garbage after it: what the old engine ran.
  local crafted = string.dump(function() end):sub(1, 40) .. ("\255"):rep(64)
  assert(load(crafted))
end)
