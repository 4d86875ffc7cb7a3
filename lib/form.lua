-- form.lua — form:submit(fields [, opts]): a form sent as a browser sends it.
-- Loaded by the prelude on top of doc:form (html.c), which lists the form's
-- controls in document order; the request itself is http.request's.

local telltale = telltale
local methods = html._form_methods

local check_submit = telltale.options("form:submit", {
  "follow:boolean|integer", "expect:integer|table", "timeout:duration", "headers:table", "button:string",
  "extra:boolean", "insecure:boolean", "max_body:size", "traceparent:boolean",
})

local function script_error(fmt, ...)
  error(telltale.failure("script", string.format(fmt, ...)), 3)
end

-- application/x-www-form-urlencoded, as the URL standard serializes it.
local function encode(s)
  s = s:gsub("[^%w%*%-%._ ]", function(c) return string.format("%%%02X", c:byte()) end)
  return (s:gsub(" ", "+"))
end

-- A browser sends every line break of a name or value as CRLF.
local function crlf(s)
  return (s:gsub("\r?\n", "\n"):gsub("\r", "\n"):gsub("\n", "\r\n"))
end

local function is_file(v)
  return type(v) == "table" and (v.filename ~= nil or v.content ~= nil)
end

local function label(form)
  return string.format("form (action %s)", form.action or "none")
end

local function list_of(values)
  local out = {}
  for _, v in ipairs(values) do out[#out + 1] = string.format("%q", v) end
  return #out > 0 and table.concat(out, ", ") or "none"
end

-- The values a checkbox, radio or select may take.
local function allowed_values(controls)
  local values = {}
  for _, c in ipairs(controls) do
    if c.type == "select" then
      for _, o in ipairs(c.options) do values[#values + 1] = o.value end
    else
      values[#values + 1] = c.value
    end
  end
  return values
end

-- What the scenario gave for name, checked against the controls it names,
-- as the list of values to send (false: none).
local function override(form, name, controls, given)
  if given == false then return {} end
  local values = (type(given) == "table" and not is_file(given)) and given or { given }
  local kind, out = controls[1].type, {}
  if kind == "checkbox" or kind == "radio" or kind == "select" then
    local allowed = allowed_values(controls)
    local single = kind == "radio" or (kind == "select" and not controls[1].multiple)
    if single and #values > 1 then
      script_error("%s: field %q takes one value, got %d", label(form), name, #values)
    end
    for _, v in ipairs(values) do
      if v == true and #controls == 1 and kind == "checkbox" then v = controls[1].value end
      local ok = false
      for _, a in ipairs(allowed) do ok = ok or tostring(v) == a end
      if not ok then
        script_error("%s: field %q (%s) has no value %q; its values: %s", label(form), name, kind, tostring(v),
          list_of(allowed))
      end
      out[#out + 1] = tostring(v)
    end
    return out
  end
  for _, v in ipairs(values) do
    if kind == "file" then
      if not is_file(v) then
        script_error("%s: field %q is a file input: give { filename =, content =, type = }", label(form), name)
      end
    elseif type(v) ~= "string" and type(v) ~= "number" then
      script_error("%s: field %q must be a string, a number, false or a list of them (got %s)", label(form), name,
        type(v))
    end
    -- What goes into a password field is a secret, whoever typed it.
    if kind == "password" then secret(tostring(v)) end
    out[#out + 1] = kind == "file" and v or tostring(v)
  end
  return out
end

-- The entries a control sends by itself, as the page has it.
local function defaults(c, add)
  if c.type == "checkbox" or c.type == "radio" then
    if c.checked then add(c.name, c.value) end
  elseif c.type == "select" then
    local any = false
    for _, o in ipairs(c.options) do
      if o.selected and (c.multiple or not any) then add(c.name, o.value); any = true end
    end
    if not any and not c.multiple and c.options[1] then add(c.name, c.options[1].value) end
  elseif c.type == "file" then
    add(c.name, { filename = "", content = "", type = "application/octet-stream" })
  else
    add(c.name, c.value)
  end
end

local function is_button(c) return c.type == "submit" or c.type == "image" end

-- The form data set: every successful control in document order, fields
-- overriding by name, the submitter's name=value where the button is.
local function entries(form, fields, opts)
  local by_name, names, buttons = {}, {}, {}
  for _, c in ipairs(form.controls) do
    if is_button(c) then
      buttons[#buttons + 1] = c
    else
      if not by_name[c.name] then by_name[c.name] = {}; names[#names + 1] = c.name end
      table.insert(by_name[c.name], c)
    end
  end
  local extra = {}
  for name in pairs(fields) do
    if type(name) ~= "string" then script_error("%s: field names must be strings", label(form)) end
    if not by_name[name] then
      if not opts.extra then
        script_error("%s has no field %q (pass extra = true to send it anyway); its fields: %s", label(form), name,
          table.concat(names, ", "))
      end
      extra[#extra + 1] = name
    end
  end
  local submitter = buttons[1]
  if opts.button ~= nil then
    submitter = nil
    for _, b in ipairs(buttons) do
      if b.name ~= "" and b.name == opts.button or b.value == opts.button then submitter = b; break end
    end
    if not submitter then
      local known = {}
      for _, b in ipairs(buttons) do known[#known + 1] = b.name ~= "" and b.name or b.value end
      script_error("%s has no submit button %q; its buttons: %s", label(form), tostring(opts.button), list_of(known))
    end
  end

  local out, done = {}, {}
  local function add(name, value)
    out[#out + 1] = { crlf(name), type(value) == "string" and crlf(value) or value }
  end
  for _, c in ipairs(form.controls) do
    if c == submitter and c.name ~= "" then
      if c.type == "image" then
        add(c.name .. ".x", "0"); add(c.name .. ".y", "0")
      else
        add(c.name, c.value)
      end
    elseif is_button(c) then -- buttons that were not pressed send nothing
    elseif fields[c.name] ~= nil then
      if not done[c.name] then
        done[c.name] = true
        for _, v in ipairs(override(form, c.name, by_name[c.name], fields[c.name])) do add(c.name, v) end
      end
    else
      defaults(c, add)
    end
  end
  table.sort(extra)
  for _, name in ipairs(extra) do
    local given = fields[name]
    local values = (type(given) == "table" and not is_file(given)) and given or { given }
    if given ~= false then for _, v in ipairs(values) do add(name, is_file(v) and v or tostring(v)) end end
  end
  return out
end

local function urlencoded(list)
  local parts = {}
  for _, e in ipairs(list) do
    local v = e[2]
    if type(v) == "table" then v = v.filename or "" end
    parts[#parts + 1] = encode(e[1]) .. "=" .. encode(v)
  end
  return table.concat(parts, "&")
end

-- "scheme://host[:port]" of the page, without user info.
local function origin(url)
  local scheme, authority = url:match("^(%a[%w+.-]*)://([^/?#]*)")
  if not scheme then return nil end
  authority = authority:gsub("^.*@", "")
  if (scheme == "http" and authority:match(":80$")) or (scheme == "https" and authority:match(":443$")) then
    authority = authority:gsub(":%d+$", "")
  end
  return scheme .. "://" .. authority
end

-- form:submit([fields [, opts]]) → response, as http.request returns it.
function methods:submit(fields, opts, ...)
  telltale.check_nargs("form:submit", select("#", ...) + 2, 2)
  fields = fields == nil and {} or fields
  opts = opts == nil and {} or opts
  if type(fields) ~= "table" then error("bad argument #1 to 'submit' (table of fields expected)", 2) end
  check_submit(opts)
  if not self.action then script_error("%s: the form has no action and the page no URL", label(self)) end
  local list = entries(self, fields, opts)
  local headers = {}
  for k, v in pairs(opts.headers or {}) do headers[k] = v end
  local req = {
    url = self.action, headers = headers, follow = opts.follow == nil and true or opts.follow,
    expect = opts.expect, timeout = opts.timeout, insecure = opts.insecure, max_body = opts.max_body,
    traceparent = opts.traceparent,
  }
  local function set_default(name, value)
    for k in pairs(headers) do if type(k) == "string" and k:lower() == name:lower() then return end end
    headers[name] = value
  end
  if self.url then set_default("Referer", self.url) end
  if self.method == "POST" then
    req.method = "POST"
    if self.url and origin(self.url) then set_default("Origin", origin(self.url)) end
    if self.enctype == "multipart/form-data" then
      req.multipart = {}
      for _, e in ipairs(list) do
        local v = e[2]
        if type(v) == "table" then
          req.multipart[#req.multipart + 1] = {
            name = e[1], filename = v.filename or "", content = v.content or "", type = v.type,
          }
        else
          req.multipart[#req.multipart + 1] = { name = e[1], value = v }
        end
      end
    elseif self.enctype == "text/plain" then
      local lines = {}
      for _, e in ipairs(list) do
        local v = type(e[2]) == "table" and (e[2].filename or "") or e[2]
        lines[#lines + 1] = e[1] .. "=" .. v .. "\r\n"
      end
      req.body = table.concat(lines)
      set_default("Content-Type", "text/plain")
    else
      req.body = urlencoded(list)
      set_default("Content-Type", "application/x-www-form-urlencoded")
    end
  else
    -- A browser sends every other method as GET, the data replacing the
    -- action's query.
    req.method = "GET"
    req.url = self.action:gsub("%?.*$", "") .. "?" .. urlencoded(list)
  end
  return http.request(req)
end
