-- The report file the same job rewrites, as the web server publishes it:
-- its age is Date minus Last-Modified, both from the server's clock.
scenario { name = "report file", tags = { "data" } }

local MONTHS = { Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6, Jul = 7, Aug = 8, Sep = 9, Oct = 10, Nov = 11, Dec = 12 }
local function http_time(s) -- "Sun, 29 Nov 2026 02:27:21 GMT" -> seconds
  local d, mon, y, hh, mm, ss = assert(s):match("(%d+) (%a+) (%d+) (%d+):(%d+):(%d+)")
  return os.time{ year = tonumber(y), month = MONTHS[mon], day = tonumber(d),
                  hour = tonumber(hh), min = tonumber(mm), sec = tonumber(ss) }
end

step("report file rewritten", { timeout = "10s" }, function()
  local allowed = telltale.duration(vars.REPORT_MAX_AGE or "1m")
  local resp = http.get(vars.REPORT_URL)
  local age = (http_time(resp.headers["Date"]) - http_time(resp.headers["Last-Modified"])) * 1000
  if age > allowed then
    error(telltale.failure("missing", string.format("report file %s is %s old, allowed %s", vars.REPORT_URL,
      telltale.format_duration(age), telltale.format_duration(allowed))))
  end
  log("rewritten", telltale.format_duration(age), "ago")
end)
