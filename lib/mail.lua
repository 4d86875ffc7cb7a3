-- mail.lua — waiting for e-mail: mb:wait, mail.address, message methods.
-- Loaded by the prelude on top of the C mailbox primitives (mail_lua.c).

local telltale = telltale
local methods = mail._methods

local MAX_NEAR_MISSES = 5
-- A body larger than this is never fetched (every buffer the network fills
-- has a cap): providers refuse mail over 25 MB anyway.
local MAX_MESSAGE_BYTES = 25 * 1024 * 1024

local Message = {}
Message.__index = Message

-- msg:link(pattern) → the first link matching the Lua pattern, or a clear failure.
function Message:link(pattern)
  for _, l in ipairs(self.links) do
    if not pattern or l:find(pattern) then return l end
  end
  error(telltale.failure("assertion",
    string.format("no link matching %q in %q", pattern or "", self.subject),
    "links:\n" .. (#self.links > 0 and table.concat(self.links, "\n") or "(none)")), 2)
end

-- msg:match(pattern) → the captures of the first match in the text (or the
-- HTML), e.g. msg:match("code: (%d%d%d%d%d%d)").
function Message:match(pattern)
  for _, body in ipairs({ self.text or "", self.html or "" }) do
    local found = table.pack(body:find(pattern))
    if found[1] then
      if found.n > 2 then return table.unpack(found, 3, found.n) end
      return body:sub(found[1], found[2])
    end
  end
  error(telltale.failure("assertion", string.format("no match for %q in %q", pattern, self.subject)), 2)
end

function Message:raw() return self._raw end

-- msg:header_all(name) → every value of a header, in order (a list, empty
-- when absent); the name in any case.  msg.headers joins them with ", ".
function Message:header_all(name)
  if type(name) ~= "string" then error("bad argument #1 to 'header_all' (string expected)", 2) end
  local want, all = name:lower(), {}
  for i, n in ipairs(self._header_names) do
    if n == want then all[#all + 1] = self._header_values[i] end
  end
  return all
end

local box_of = setmetatable({}, { __mode = "k" }) -- message → its mailbox

-- msg:delete() — flag the message \Deleted and expunge it; returns once the
-- server has done so (e.g. to keep a shared canary inbox small).
function Message:delete()
  local mb = box_of[self]
  mb:_delete(self.uid)
  while mb:_message(self.uid) do
    mb:_status() -- raises a final error at once
    mb:_changed(telltale.remaining())
  end
end

-- A criterion: a string matches as a substring, {pattern = "..."} as a Lua pattern.
local function check(what, criterion, value)
  if criterion == nil then return true end
  local values = type(value) == "table" and value or { value or "" }
  for _, v in ipairs(values) do
    if type(criterion) == "table" then
      if v:find(criterion.pattern) then return true end
    elseif v:find(criterion, 1, true) then
      return true
    end
  end
  local shown = type(value) == "table" and table.concat(value, ", ") or (value or "")
  if #shown > 80 then shown = shown:sub(1, 77) .. "..." end
  return false, string.format('%s "%s" does not %s "%s"', what, shown,
    type(criterion) == "table" and "match" or "contain",
    type(criterion) == "table" and criterion.pattern or criterion)
end

-- The criteria a message's header answers; the body is fetched only for
-- the messages that pass these.
local function matches_header(msg, opts)
  for _, c in ipairs({
    { "to", opts.to, msg.to }, { "from", opts.from, msg.from }, { "subject", opts.subject, msg.subject },
  }) do
    local ok, why = check(c[1], c[2], c[3])
    if not ok then return false, why end
  end
  return true
end

-- The message with its body: asks the mailbox's connection for it and
-- waits; nil when it disappeared or the deadline came first.
local function complete(mb, msg, deadline)
  if not msg._complete then mb:_fetch_body(msg.uid) end
  while true do
    local now_msg = mb:_message(msg.uid)
    if not now_msg then return nil end
    if now_msg._complete then return now_msg end
    local now = telltale.now()
    if now >= deadline then return nil end
    mb:_changed(deadline - now)
  end
end

local function candidate(mb, msg, opts, deadline)
  local ok, why = matches_header(msg, opts)
  if not ok then return nil, why end
  if msg.size > MAX_MESSAGE_BYTES then
    return nil, string.format("it is %.1f MB, over the %d MB cap on fetched messages", msg.size / 1048576,
      MAX_MESSAGE_BYTES // 1048576)
  end
  local full = complete(mb, msg, deadline)
  if not full then return nil, "its body could not be fetched before the deadline" end
  if full._error then
    -- It is the mail the scenario waits for, and it cannot be read.
    error(telltale.failure("assertion", string.format("message uid %d (%q): %s", full.uid, full.subject, full._error)), 0)
  end
  ok, why = check("body", opts.body, (full.text or "") .. "\n" .. (full.html or ""))
  if not ok then return nil, why end
  return full
end

local check_wait = telltale.options("mb:wait", {
  "to:string|pattern", "from:string|pattern", "subject:string|pattern", "body:string|pattern",
  "since:number", "timeout:duration",
})

-- mb:wait{ to =, from =, subject =, body =, since =, timeout = } → message.
-- No match before the deadline fails with kind `missing`, listing how many
-- messages arrived and the near misses with the criterion each one failed.
-- A misspelt criterion is an error, never a criterion that matches anything.
function methods:wait(opts, ...)
  telltale.check_nargs("mb:wait", select("#", ...) + 1, 1)
  check_wait(opts)
  opts = opts or {}
  local since = opts.since or run.started_at
  local remaining = telltale.remaining()
  local budget = remaining - math.min(100, remaining // 10)
  if opts.timeout ~= nil then budget = math.min(budget, telltale.duration(opts.timeout)) end
  local started = telltale.now()
  local deadline = started + budget
  local after, arrived, near = 0, 0, {}
  -- The mailbox looks from its first user's run start: earlier mail is
  -- searched for on the server when asked for.
  if since < self:_since() then
    self:_backfill(since)
    while since < self:_since() and telltale.now() < deadline do
      self:_status()
      self:_changed(deadline - telltale.now())
    end
  end
  while true do
    self:_status() -- raises a final error (authentication) at once
    local list
    list, after = self:_messages(since, after)
    for _, msg in ipairs(list) do
      arrived = arrived + 1
      local found, why = candidate(self, msg, opts, deadline)
      if found then
        box_of[found] = self
        found._complete = nil
        local saved = self:_save(found.uid)
        if saved then log("message saved as " .. saved) end
        return setmetatable(found, Message)
      end
      if #near < MAX_NEAR_MISSES then near[#near + 1] = string.format("uid %d: %s", msg.uid, why) end
    end
    local now = telltale.now()
    if now >= deadline then break end
    self:_changed(deadline - now)
  end
  local status = self:_status()
  local lines = { string.format("%d message%s arrived in the window", arrived, arrived == 1 and "" or "s") }
  for _, n in ipairs(near) do lines[#lines + 1] = "near miss: " .. n end
  lines[#lines + 1] = "mailbox: " .. status
  local wanted = {}
  for _, k in ipairs({ "to", "from", "subject", "body" }) do
    local c = opts[k]
    if c ~= nil then wanted[#wanted + 1] = k .. " " .. (type(c) == "table" and ("~ " .. c.pattern) or ('"' .. c .. '"')) end
  end
  if arrived == 0 and not status:find("^connected") then
    error(telltale.failure("network", "no mail could be read: " .. status, table.concat(lines, "\n")), 2)
  end
  error(telltale.failure("missing",
    string.format("no message with %s within %.1fs", table.concat(wanted, ", "), (telltale.now() - started) / 1000),
    table.concat(lines, "\n")), 2)
end

-- mail.address("canary@example.test") → "canary+<token>@example.test", unique
-- to this run, so concurrent runs never see each other's mail.
function mail.address(base, ...)
  telltale.check_nargs("mail.address", select("#", ...) + 1, 1)
  local user, domain = tostring(base):match("^([^@+]+)@(.+)$")
  if not user then error("bad argument #1 to 'address' (an address like user@example.test expected)", 2) end
  return user .. "+" .. unique("tt") .. "@" .. domain
end

return mail
