-- db.lua — the checks written on top of h:query: one, value, wait, fresh.
-- Loaded by the prelude; adds methods to every database handle.

local telltale = telltale
local methods = db._methods

local MAX_SHOWN_ROWS = 5

-- A short picture of rows for failure details.
local function show_rows(rows)
  if #rows == 0 then return "(no rows)" end
  local lines = {}
  for i = 1, math.min(#rows, MAX_SHOWN_ROWS) do
    local cells = {}
    for _, col in ipairs(rows.columns) do
      local v = rows[i][col]
      cells[#cells + 1] = col .. "=" .. (v == db.null and "NULL" or type(v) == "table" and json.encode(v) or tostring(v))
    end
    lines[#lines + 1] = table.concat(cells, ", ")
  end
  if #rows > MAX_SHOWN_ROWS then lines[#lines + 1] = string.format("... %d rows in all", #rows) end
  return table.concat(lines, "\n")
end

-- The only row of a query and its columns; zero or several rows fail
-- (assertion), reported at the caller's caller: the scenario line.
local function only_row(self, sql, ...)
  local rows = self:query(sql, ...)
  if #rows ~= 1 then
    error(telltale.failure("assertion",
      string.format("expected exactly one row, got %d", #rows),
      "query: " .. sql .. "\n" .. show_rows(rows)), 3)
  end
  return rows[1], rows.columns
end

-- h:one(sql, ...) → the only row.
function methods:one(sql, ...)
  return (only_row(self, sql, ...))
end

-- h:value(sql, ...) → the first column of the only row.
function methods:value(sql, ...)
  local row, columns = only_row(self, sql, ...)
  return row[columns[1]]
end

-- h:wait(sql, params, predicate [, opts]) → the first row for which
-- predicate(row) holds (any row without a predicate), querying again every
-- opts.interval (250ms) until the step's deadline (or opts.timeout); then
-- kind `missing` with the last result.
local check_wait = telltale.options("h:wait", { "timeout:duration", "interval:duration" })

function methods:wait(sql, params, predicate, opts, ...)
  telltale.check_nargs("h:wait", select("#", ...) + 4, 4)
  if params ~= nil and type(params) ~= "table" then
    error("h:wait: params must be a table of query parameters (or nil), got " .. type(params), 2)
  end
  if predicate ~= nil and type(predicate) ~= "function" then
    error("h:wait: predicate must be a function (or nil), got " .. type(predicate), 2)
  end
  check_wait(opts)
  params = params or {}
  opts = opts or {}
  local last, broken
  local ok, row = pcall(eventually, function()
    local qok, rows = pcall(self.query, self, sql, table.unpack(params, 1, params.n or #params))
    -- A broken query (syntax, unknown column) will not heal by waiting:
    -- stop and report it.  Network errors are retried: the server may come back.
    if not qok and telltale.is_failure(rows) and rows.kind == "script" then
      broken = rows
      return true
    end
    if not qok then error(rows, 0) end
    last = rows
    for _, r in ipairs(last) do
      if not predicate or predicate(r) then return r end
    end
    return nil
  end, { timeout = opts.timeout, interval = opts.interval or "250ms", backoff = 1 })
  if broken then error(broken, 2) end
  if ok then return row end
  if telltale.is_failure(row) and row.kind == "missing" then
    error(telltale.failure("missing",
      string.format("no row %s: %s", predicate and "matching the predicate" or "returned", row.message:gsub("^condition ", "")),
      "query: " .. sql .. "\nlast result:\n" .. (last and show_rows(last) or "(no successful query)")), 2)
  end
  error(row, 2)
end

-- h:fresh(sql, [params,] max_age) — sql returns one timestamp; older than
-- max_age, or NULL, or no row, fails with kind `missing` saying how old it
-- is.  The age is computed by the database's clock, so clock skew cannot
-- fake freshness.  params are the query's $1..$n, as for h:wait.
function methods:fresh(sql, params, max_age, ...)
  if type(params) ~= "table" then
    telltale.check_nargs("h:fresh", select("#", ...) + 3 - (max_age == nil and 1 or 0), 2)
    params, max_age = {}, params
  else
    telltale.check_nargs("h:fresh", select("#", ...) + 3, 3)
  end
  local allowed = telltale.duration(max_age)
  local rows = self:query(
    "SELECT EXTRACT(EPOCH FROM (now() - fresh_q.t))::float8 * 1000 AS age_ms, fresh_q.t::text AS newest FROM (" ..
    sql .. ") AS fresh_q(t)", table.unpack(params, 1, params.n or #params))
  if #rows == 0 or rows[1].newest == db.null then
    error(telltale.failure("missing", "no timestamp: the query returned " .. (#rows == 0 and "no row" or "NULL"),
      "query: " .. sql), 2)
  end
  if #rows > 1 then
    error(telltale.failure("assertion", string.format("fresh: expected one timestamp, got %d rows", #rows),
      "query: " .. sql), 2)
  end
  local age = rows[1].age_ms
  if age > allowed then
    error(telltale.failure("missing",
      string.format("newest row is %s old, allowed %s", telltale.format_duration(age), telltale.format_duration(allowed)),
      "newest: " .. rows[1].newest .. "\nquery: " .. sql), 2)
  end
  return age
end

return db
