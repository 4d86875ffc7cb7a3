-- browser.lua — browser.page{...} and the page methods, on the C primitives
-- of browser_lua.c: h:_send (one DevTools command) and h:_wait_event (one
-- lifecycle event), each parked on the step like an HTTP request.
-- Loaded the first time a scenario calls browser.page.

local telltale = telltale
local C = browser
local json = json

local Page = {}
Page.__index = Page

local M = {}

local WAIT_UNTIL = { load = "load", domcontentloaded = "DOMContentLoaded", networkidle = "networkIdle" }
local FAIL_ON = { js_error = 1, resource = 2 }
-- windowsVirtualKeyCode and the text a key types, for page:press.
local KEYS = {
  Enter = { 13, "\r" }, Tab = { 9 }, Escape = { 27 }, Backspace = { 8 }, Delete = { 46 },
  ArrowUp = { 38 }, ArrowDown = { 40 }, ArrowLeft = { 37 }, ArrowRight = { 39 },
  Home = { 36 }, End = { 35 }, PageUp = { 33 }, PageDown = { 34 }, Space = { 32, " " },
}
-- Protocol errors that mean "the page navigated under us": try again.
local GONE = { "Execution context was destroyed", "Cannot find context", "Inspected target navigated",
  "Cannot find default execution context" }

local function fail(kind, message, detail)
  error(telltale.failure(kind, message, detail), 0)
end

-- What a primitive may wait: the step's deadline, less a margin when
-- --artifacts is given (so a failure still has time for its screenshot),
-- and never past own (an operation's own deadline, telltale.now() ms).
local function budget(own)
  local left = telltale.remaining()
  if C._artifacts() then left = left - math.min(1000, left // 5) end
  if own then left = math.min(left, own - telltale.now()) end
  return math.max(left, 1)
end

local function navigated_away(err)
  for _, g in ipairs(GONE) do
    if err and err:find(g, 1, true) then return true end
  end
  return false
end

-- Evaluate js in the page → value; nil, message, is_exception.
local function evaluate(page, js, phase, own)
  local r, err = page._h:_send("Runtime.evaluate",
    { expression = js, returnByValue = true, awaitPromise = true }, phase, budget(own))
  if not r then return nil, err, false end
  if r.exceptionDetails then
    local d = r.exceptionDetails
    local text = (d.exception and d.exception.description) or d.text or "exception"
    return nil, text, true
  end
  local v = r.result and r.result.value
  if v == json.null then v = nil end
  return v
end

-- Screenshot, HTML, console log and network requests of the page, as
-- artifacts (only with --artifacts; never raises).
local function capture(page)
  if not C._artifacts() or page._capturing then return end
  local saved = {}
  local function save(what, data) saved[#saved + 1] = C._save(what, data) end
  page._capturing = true
  pcall(function()
    save("console.log", page._h:_console())
    save("network.txt", page._h:_requests())
    if telltale.remaining() < 200 then return end
    local own = telltale.now() + math.min(2000, telltale.remaining() - 100)
    local shot = page._h:_send("Page.captureScreenshot", { format = "png" }, "taking a screenshot", budget(own))
    if shot and shot.data then save("page.png", C._unbase64(shot.data)) end
    local html = evaluate(page, "document.documentElement ? document.documentElement.outerHTML : ''",
      "saving the page's HTML", own)
    if html then save("page.html", tostring(html)) end
  end)
  page._capturing = false
  return saved
end

-- Run fn(page, ...) → its results; a failure saves the artifacts first,
-- and says where they are.
local function guarded(page, fn, ...)
  if page._closed then error("attempt to use a closed page", 3) end
  local r = table.pack(pcall(fn, page, ...))
  if not r[1] then
    local saved = capture(page)
    if saved and #saved > 0 and telltale.is_failure(r[2]) then
      r[2].detail = (r[2].detail and r[2].detail .. "\n" or "") .. "artifacts: " .. table.concat(saved, ", ")
    end
    error(r[2], 0)
  end
  return table.unpack(r, 2, r.n)
end

-- ---- cookies: the page and the scenario's HTTP jar share them ----

local function looks_secret(name)
  local n = name:lower()
  return n:find("sess") or n:find("token") or n:find("auth") or n:find("key") or n:find("secret")
    or n:find("pass") or n:find("sid") or n:find("cred")
end

-- What the jar held when each browser context's cookies were last synced
-- with it, by context id: the pages of a scenario share one cookie store,
-- so a page must not push the jar back over what another page changed
-- (a sign-out's deleted session) unless the jar itself changed since.
local synced = {}

-- Jar (Netscape lines) → the page, when the jar changed since last time.
local function cookies_in(page)
  local lines = C._jar()
  local key = table.concat(lines, "\n")
  local ctx = page._h:_context()
  if key == synced[ctx] or #lines == 0 then return end
  local cookies = {}
  for _, line in ipairs(lines) do
    local http_only = line:sub(1, 10) == "#HttpOnly_"
    if http_only then line = line:sub(11) end
    local domain, sub, path, secure, expires, name, value =
      line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    if domain then
      local c = { name = name, value = value, path = path, secure = secure == "TRUE", httpOnly = http_only }
      local host = domain:gsub("^%.", "")
      if sub == "TRUE" then
        c.domain = "." .. host
      else -- host-only: set through a URL, as the server's Set-Cookie did
        c.url = (c.secure and "https://" or "http://") .. host .. path
      end
      local e = tonumber(expires) or 0
      if e > 0 then c.expires = e end
      cookies[#cookies + 1] = c
    end
  end
  if #cookies > 0 then page._h:_send("Network.setCookies", { cookies = json.array(cookies) }, "setting cookies") end
  synced[ctx] = key
end

-- The page's cookies → the jar.
local function cookies_out(page)
  local r = page._h:_send("Network.getAllCookies", nil, "reading cookies")
  if not r or not r.cookies then return end
  for _, c in ipairs(r.cookies) do
    if looks_secret(c.name) and #c.value >= 3 then secret(c.value) end
    local host_only = c.domain:sub(1, 1) ~= "."
    C._jar_add(string.format("%s%s\t%s\t%s\t%s\t%d\t%s\t%s", c.httpOnly and "#HttpOnly_" or "", c.domain,
      host_only and "FALSE" or "TRUE", c.path, c.secure and "TRUE" or "FALSE",
      c.session and 0 or math.floor(c.expires), c.name, c.value))
  end
  synced[page._h:_context()] = table.concat(C._jar(), "\n")
end

-- ---- the page ----

local page_opts = telltale.options("browser.page",
  { "viewport:table", "user_agent:string", "locale:string", "fail_on:list" })

-- browser.page{ viewport =, user_agent =, locale =, fail_on = } → page
function M.page(...)
  telltale.check_nargs("browser.page", select("#", ...), 1)
  local opts = ... or {}
  page_opts(opts)
  local bits = 0
  for _, f in ipairs(opts.fail_on or {}) do
    if not FAIL_ON[f] then
      error(string.format("browser.page: unknown fail_on '%s' (expected: js_error, resource)", f), 2)
    end
    bits = bits | FAIL_ON[f]
  end
  local vp = opts.viewport or {}
  for k, v in pairs(vp) do
    if (k ~= "width" and k ~= "height") or math.type(v) ~= "integer" or v < 1 then
      error("browser.page: viewport must be { width = N, height = N } (positive integers)", 2)
    end
  end
  local h = C._open(bits)
  local page = setmetatable({ _h = h }, Page)
  h:_send("Emulation.setDeviceMetricsOverride",
    { width = vp.width or 1280, height = vp.height or 720, deviceScaleFactor = 1, mobile = false }, "setting the viewport")
  if opts.user_agent or opts.locale then
    local ua = opts.user_agent
    if not ua then
      local v = h:_send("Browser.getVersion", nil, "reading the user agent")
      ua = v and v.userAgent or "Mozilla/5.0"
    end
    h:_send("Network.setUserAgentOverride", { userAgent = ua, acceptLanguage = opts.locale }, "setting the user agent")
  end
  if opts.locale then h:_send("Emulation.setLocaleOverride", { locale = opts.locale }, "setting the locale") end
  return page
end

local visit_opts = telltale.options("page:visit", { "wait_until:string" })

-- page:visit(url [, { wait_until = "load" | "domcontentloaded" | "networkidle" }])
function Page:visit(...)
  telltale.check_nargs("page:visit", select("#", ...), 2)
  local url, opts = ...
  if type(url) ~= "string" then error("page:visit: url must be a string", 2) end
  visit_opts(opts)
  local wait = opts and opts.wait_until or "load"
  local event = WAIT_UNTIL[wait]
  if not event then
    error(string.format("page:visit: unknown wait_until '%s' (expected: load, domcontentloaded, networkidle)", wait), 2)
  end
  return guarded(self, function(page)
    cookies_in(page)
    local r, err = page._h:_send("Page.navigate", { url = url }, "loading " .. url, budget())
    if not r then fail("script", "page:visit " .. url .. ": " .. tostring(err)) end
    if r.errorText and r.errorText ~= "" and r.errorText ~= "net::ERR_HTTP_RESPONSE_CODE_FAILURE" then
      fail("network", string.format("page:visit %s: %s", url, r.errorText))
    end
    if r.loaderId then
      page._h:_wait_event(r.loaderId, event, string.format("waiting for %s of %s", wait, url), budget())
      local status = page._h:_status(r.loaderId)
      if status >= 400 then fail("http", string.format("page:visit %s returned %d", url, status)) end
    end
    cookies_out(page)
    if C._artifacts() then capture(page) end
  end)
end

-- The element for selector, passed to body (JS using `el` and `arg`);
-- body returns a value, or {__error = "..."} to fail the step.
local function on_element(page, what, selector, body, arg)
  local js = string.format([[(function(sel, arg) {
  const el = document.querySelector(sel);
  if (!el) return { __missing: true };
  %s
})(%s, %s)]], body, json.encode(selector), json.encode(arg == nil and json.null or arg))
  local v, err, thrown = evaluate(page, js, string.format("%s '%s'", what, selector))
  if err then
    if thrown and err:find("SyntaxError", 1, true) then
      fail("script", string.format("%s: invalid selector '%s'", what, selector))
    end
    fail(thrown and "script" or "network", string.format("%s '%s': %s", what, selector, err))
  end
  if type(v) == "table" and v.__missing then
    fail("assertion", string.format("%s: no element matches '%s'", what, selector))
  end
  if type(v) == "table" and v.__error then
    fail("assertion", string.format("%s: '%s' %s", what, selector, v.__error))
  end
  return v
end

local function check_string(what, n, v, name)
  if type(v) ~= "string" then
    error(string.format("bad argument #%d to '%s' (%s expected, got %s)", n, what, name, type(v)), 3)
  end
end

-- page:fill(selector, text): types into an input or textarea
function Page:fill(...)
  telltale.check_nargs("page:fill", select("#", ...), 2)
  local selector, text = ...
  check_string("page:fill", 1, selector, "selector")
  if type(text) == "number" then text = tostring(text) end
  check_string("page:fill", 2, text, "string")
  return guarded(self, function(page)
    cookies_in(page)
    on_element(page, "page:fill", selector, [[
  if (!('value' in el) || el.tagName === 'BUTTON') return { __error: 'is not a text field' };
  if (el.disabled || el.readOnly) return { __error: 'is disabled or read-only' };
  el.focus();
  const proto = Object.getPrototypeOf(el);
  const setter = Object.getOwnPropertyDescriptor(proto, 'value');
  if (setter && setter.set) setter.set.call(el, arg); else el.value = arg;
  el.dispatchEvent(new Event('input', { bubbles: true }));
  el.dispatchEvent(new Event('change', { bubbles: true }));
  return true;]], text)
  end)
end

-- page:click(selector): a real mouse click at the element's centre
function Page:click(...)
  telltale.check_nargs("page:click", select("#", ...), 1)
  local selector = ...
  check_string("page:click", 1, selector, "selector")
  return guarded(self, function(page)
    cookies_in(page)
    local at = on_element(page, "page:click", selector, [[
  el.scrollIntoView({ block: 'center', inline: 'center' });
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return { __error: 'is not visible' };
  if (el.disabled) return { __error: 'is disabled' };
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const top = document.elementFromPoint(x, y);
  if (top && top !== el && !el.contains(top)) {
    const name = top.tagName.toLowerCase() + (top.id ? '#' + top.id : '') +
      (typeof top.className === 'string' && top.className ? '.' + top.className.split(/\s+/).join('.') : '');
    return { __error: 'is covered by ' + name };
  }
  return { x: x, y: y };]])
    local phase = string.format("clicking '%s'", selector)
    for _, kind in ipairs({ "mouseMoved", "mousePressed", "mouseReleased" }) do
      page._h:_send("Input.dispatchMouseEvent",
        { type = kind, x = at.x, y = at.y, button = "left", buttons = kind == "mousePressed" and 1 or 0, clickCount = 1 },
        phase, budget())
    end
    cookies_out(page)
  end)
end

-- page:select(selector, value): picks the option with that value (or text)
function Page:select(...)
  telltale.check_nargs("page:select", select("#", ...), 2)
  local selector, value = ...
  check_string("page:select", 1, selector, "selector")
  check_string("page:select", 2, value, "string")
  return guarded(self, function(page)
    on_element(page, "page:select", selector, [[
  if (el.tagName !== 'SELECT') return { __error: 'is not a <select>' };
  const opts = Array.from(el.options);
  const o = opts.find(o => o.value === arg) || opts.find(o => o.text.trim() === arg);
  if (!o) return { __error: 'has no option ' + JSON.stringify(arg) + ' (options: ' + opts.map(o => o.value).join(', ') + ')' };
  el.value = o.value;
  el.dispatchEvent(new Event('input', { bubbles: true }));
  el.dispatchEvent(new Event('change', { bubbles: true }));
  return true;]], value)
  end)
end

-- page:press(key): "Enter", "Tab", "Escape", arrows, ... or one character
function Page:press(...)
  telltale.check_nargs("page:press", select("#", ...), 1)
  local key = ...
  check_string("page:press", 1, key, "key")
  local k = KEYS[key]
  if not k and utf8.len(key) ~= 1 then
    local names = {}
    for name in pairs(KEYS) do names[#names + 1] = name end
    table.sort(names)
    error(string.format("page:press: unknown key '%s' (expected one character or: %s)", key,
      table.concat(names, ", ")), 2)
  end
  local code, text = key:upper():byte(), key
  if k then code, text = k[1], k[2] end
  return guarded(self, function(page)
    cookies_in(page)
    local phase = string.format("pressing %s", key)
    page._h:_send("Input.dispatchKeyEvent",
      { type = text and "keyDown" or "rawKeyDown", key = key == "Space" and " " or key, windowsVirtualKeyCode = code,
        text = text }, phase, budget())
    page._h:_send("Input.dispatchKeyEvent",
      { type = "keyUp", key = key == "Space" and " " or key, windowsVirtualKeyCode = code }, phase, budget())
    cookies_out(page)
  end)
end

local wait_opts = telltale.options("page:wait_for",
  { "selector:string", "text:string", "url:string", "gone:string", "timeout:duration" })

local WAIT_JS = [[(function(o) {
  const visible = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length) &&
    getComputedStyle(el).visibility !== 'hidden';
  const check = () => {
    if (o.url !== undefined && !location.href.includes(o.url)) return false;
    if (o.gone !== undefined) {
      for (const el of document.querySelectorAll(o.gone)) if (visible(el)) return false;
    }
    if (o.selector !== undefined) {
      for (const el of document.querySelectorAll(o.selector))
        if (visible(el) && (o.text === undefined || el.innerText.includes(o.text))) return true;
      return false;
    }
    if (o.text !== undefined) return !!document.body && document.body.innerText.includes(o.text);
    return true;
  };
  if (check()) return true;
  return new Promise(resolve => {
    const done = () => { if (check()) { obs.disconnect(); clearInterval(t); resolve(true); } };
    const obs = new MutationObserver(done);
    obs.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
    const t = setInterval(done, 100);
  });
})(%s)]]

-- page:wait_for{ selector = | text = | url = | gone = [, timeout = ] }
function Page:wait_for(...)
  telltale.check_nargs("page:wait_for", select("#", ...), 1)
  local opts = ...
  if type(opts) ~= "table" then error("page:wait_for: expected a table { selector =, text =, url =, gone = }", 2) end
  wait_opts(opts)
  if not (opts.selector or opts.text or opts.url or opts.gone) then
    error("page:wait_for: give selector, text, url or gone", 2)
  end
  local what = {}
  if opts.selector then what[#what + 1] = string.format("selector '%s'", opts.selector) end
  if opts.text then what[#what + 1] = string.format("text '%s'", opts.text) end
  if opts.url then what[#what + 1] = string.format("URL containing '%s'", opts.url) end
  if opts.gone then what[#what + 1] = string.format("'%s' to go away", opts.gone) end
  local phase = "waiting for " .. table.concat(what, " and ")
  local own = opts.timeout and telltale.now() + telltale.duration(opts.timeout)
  local js = string.format(WAIT_JS, json.encode({ selector = opts.selector, text = opts.text, url = opts.url,
    gone = opts.gone }))
  return guarded(self, function(page)
    while true do
      if own and telltale.now() >= own then fail("timeout", "deadline exceeded while " .. phase) end
      local v, err, thrown = evaluate(page, js, phase, own)
      if v then break end
      if thrown then fail("script", "page:wait_for: " .. tostring(err)) end
      if err and not navigated_away(err) then fail("network", "page:wait_for: " .. err) end
      sleep(0.05) -- the page is between documents: look again in the next one
    end
    cookies_out(page)
  end)
end

-- page:text(selector) → the element's visible text
function Page:text(...)
  telltale.check_nargs("page:text", select("#", ...), 1)
  local selector = ...
  check_string("page:text", 1, selector, "selector")
  return guarded(self, function(page)
    return on_element(page, "page:text", selector, "return el.innerText.trim();")
  end)
end

-- page:attr(selector, name) → the attribute's value, or nil
function Page:attr(...)
  telltale.check_nargs("page:attr", select("#", ...), 2)
  local selector, name = ...
  check_string("page:attr", 1, selector, "selector")
  check_string("page:attr", 2, name, "string")
  return guarded(self, function(page)
    local v = on_element(page, "page:attr", selector, "return { v: el.getAttribute(arg) };", name)
    if v.v == json.null then return nil end
    return v.v
  end)
end

-- page:eval(js) → its JSON-able result (a promise is awaited)
function Page:eval(...)
  telltale.check_nargs("page:eval", select("#", ...), 1)
  local js = ...
  check_string("page:eval", 1, js, "string")
  return guarded(self, function(page)
    local v, err, thrown = evaluate(page, js, "evaluating JavaScript")
    if err then fail(thrown and "script" or "network", "page:eval: " .. err) end
    cookies_out(page)
    return v
  end)
end

-- page:url() → where the page is now
function Page:url(...)
  telltale.check_nargs("page:url", select("#", ...), 0)
  return guarded(self, function(page)
    local v, err = evaluate(page, "location.href", "reading the URL")
    if err then fail("network", "page:url: " .. err) end
    return v
  end)
end

-- page:screenshot([path]) → path (PNG written there), or the PNG bytes
function Page:screenshot(...)
  telltale.check_nargs("page:screenshot", select("#", ...), 1)
  local path = ...
  if path ~= nil then check_string("page:screenshot", 1, path, "string") end
  return guarded(self, function(page)
    local r, err = page._h:_send("Page.captureScreenshot", { format = "png" }, "taking a screenshot", budget())
    if not r then fail("network", "page:screenshot: " .. tostring(err)) end
    local png = C._unbase64(r.data)
    C._save("screenshot.png", png)
    if path then return C._write(path, png) end
    return png
  end)
end

-- The page goes (its scenario's context stays), its notes since the last
-- operation into the log.  answer: fail on one that fail_on names (nothing
-- else would see it).
local function close(page, answer)
  if page._closed then return end
  page._closed = true
  local ok, err = pcall(page._h._flush, page._h)
  if C._artifacts() then
    C._save("console.log", page._h:_console())
    C._save("network.txt", page._h:_requests())
  end
  page._h:close()
  if answer and not ok then error(err, 0) end
end

-- page:close().  A page still open when the scenario ends is freed with
-- its state, without this: nothing is left to answer to.
function Page:close(...)
  telltale.check_nargs("page:close", select("#", ...), 0)
  close(self, true)
end

-- `local page <close> = browser.page{}`: __close also gets the error; a
-- step already failing is not failed again by the page's events.
Page.__close = function(page, err) close(page, err == nil) end

return M
