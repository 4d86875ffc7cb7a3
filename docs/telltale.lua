---@meta telltale
-- telltale.lua — LuaLS definitions of the scenario API, for completion,
-- hover text and type checks in an editor.  Nothing here runs: telltale
-- provides these globals itself.  `make install` puts this file in
-- PREFIX/share/telltale/lua/; add that directory to the language server's
-- `workspace.library` (.luarc.json: {"workspace.library": [".../share/telltale/lua"]}).
--
-- The README's API reference is the documentation; tests/cli.sh holds this
-- file against its **syntax:** lines, so a function added to one and not
-- the other fails the suite.

---A duration: "250ms", "5s", "2m", "1h", "1d", "1m30s", or seconds as a number.
---@alias telltale.Duration string|number

---A size: bytes, or "512k", "10M".
---@alias telltale.Size integer|string

---@alias telltale.FailureKind "assertion"|"timeout"|"missing"|"network"|"http"|"script"|"aborted"|"internal"

---The structured error a failing step raises (kind, message, detail, phase).
---@class telltale.Failure
---@field kind telltale.FailureKind
---@field message string
---@field detail string?
---@field phase string?
---@field response telltale.Response? an `http` failure carries the response

-- ---- declarations ----

---@class telltale.ScenarioOptions
---@field name string? default: the file name without .lua
---@field timeout telltale.Duration? bounds every step (default 5m)
---@field tags string[]? for --tag
---@field description string?

---Declare the scenario (optional; at the top level).
---@param opts telltale.ScenarioOptions
function scenario(opts) end

---@class telltale.StepOptions
---@field timeout telltale.Duration? default 30s
---@field retries integer? more attempts after a failure (default 0)
---@field retry_delay telltale.Duration? before the first retry, doubling (default 1s)

---The table shared by every step and teardown of one scenario run.
---@alias telltale.Context table<string, any>

---Declare a step; steps run in order, each under its deadline.
---@param name string
---@param opts_or_fn telltale.StepOptions|fun(ctx: telltale.Context)
---@param fn? fun(ctx: telltale.Context)
function step(name, opts_or_fn, fn) end

---@class telltale.TeardownOptions
---@field timeout telltale.Duration? default 30s
---@field name string?

---Declare a teardown: runs after the steps whatever happened, last declared first.
---@param opts_or_fn telltale.TeardownOptions|fun(ctx: telltale.Context)
---@param fn? fun(ctx: telltale.Context)
function teardown(opts_or_fn, fn) end

-- ---- globals ----

---From --var NAME=VALUE and --vars-file; reading one that was not given raises.
---@type table<string, string>
vars = {}

---An optional var: its value, or `default`.
---@param name string
---@param default? string
---@return string?
function vars_get(name, default) end

---Environment variables (read-only).
---@type table<string, string>
env = {}

---@class telltale.Run
---@field id string the run's id, also in the reports
---@field scenario string
---@field file string
---@field started_at number Unix seconds, when this scenario run started
---@field repeat_index integer which run of --repeat (1..N), in steps and teardowns
---@field trace_id string this scenario run's W3C trace id, sent in traceparent

---@type telltale.Run
run = {}

---@class telltale.Expectation
local Expectation = {}

---Assertions on `actual`; each method returns the expectation, so they chain.
---@param actual any
---@param label? string prefixes the failure message
---@return telltale.Expectation
function expect(actual, label) end

---Equal (deep for tables; the failure names the first difference).
---@param expected any
---@return telltale.Expectation
function Expectation:eq(expected) end

---@param unexpected any
---@return telltale.Expectation
function Expectation:ne(unexpected) end

---@param limit number|string
---@return telltale.Expectation
function Expectation:lt(limit) end

---@param limit number|string
---@return telltale.Expectation
function Expectation:le(limit) end

---@param limit number|string
---@return telltale.Expectation
function Expectation:gt(limit) end

---@param limit number|string
---@return telltale.Expectation
function Expectation:ge(limit) end

---A Lua pattern; returns its captures, or the whole match.
---@param pattern string
---@return string ...
function Expectation:match(pattern) end

---A substring, or an element of a list.
---@param item any
---@return telltale.Expectation
function Expectation:contains(item) end

---@return telltale.Expectation
function Expectation:truthy() end

---@return telltale.Expectation
function Expectation:falsy() end

---Fail the step with kind `assertion`.
---@param message string
---@param detail? string
function fail(message, detail) end

---@class telltale.EventuallyOptions
---@field timeout telltale.Duration? never past the step's deadline
---@field interval telltale.Duration? first pause (default 100ms)
---@field backoff number? growth of the pause (default 1.5; 1 polls evenly)
---@field message string? names the condition in the failure (default "condition")

---Call `fn` until it returns a truthy value without raising; kind `missing` if it never does.
---@generic T
---@param fn fun(): T
---@param opts? telltale.EventuallyOptions
---@return T
function eventually(fn, opts) end

---Wait without blocking other scenarios (steps and teardowns only).
---@param d telltale.Duration
function sleep(d) end

---Attach a line to the current step (-v, failures, reports).
---@param ... any
function log(...) end

---A token unique to this run: "prefix-<run id><n>".
---@param prefix? string default "tt"
---@return string
function unique(prefix) end

---Returns `value`, and redacts it from every output from now on.
---@generic T: string
---@param value T
---@return T
function secret(value) end

json = {}

---@type lightuserdata JSON null (the same value as db.null)
json.null = nil

---@param v any
---@return string
function json.encode(v) end

---@param s string
---@return any
function json.decode(s) end

---Mark a table as a JSON array, so that an empty one encodes as [].
---@param t table
---@return table
function json.array(t) end

telltale = {}

---Monotonic milliseconds.
---@return integer
function telltale.now() end

---Milliseconds left before the running step's deadline.
---@return integer
function telltale.remaining() end

---A duration in milliseconds.
---@param d telltale.Duration
---@return integer
function telltale.duration(d) end

---Milliseconds as a person reads them: "1.5s", "3h05m", "8 days".
---@param ms number
---@return string
function telltale.format_duration(ms) end

---A failure object to error() with.
---@param kind telltale.FailureKind
---@param message string
---@param detail? string
---@return telltale.Failure
function telltale.failure(kind, message, detail) end

---@param v any
---@return boolean
function telltale.is_failure(v) end

---The pairs of `t` as a list of {key, value}, sorted by key (as strings).
---@param t table
---@return { [1]: any, [2]: any }[]
function telltale.sorted_pairs(t) end

-- ---- HTTP ----

http = {}

---@class telltale.MultipartPart
---@field name string
---@field value string?
---@field filename string?
---@field content string?
---@field type string?

---@class telltale.RequestOptions
---@field headers table<string, string>?
---@field query table<string, string|number>? URL-encoded, keys sorted
---@field body string?
---@field json any? encoded; Content-Type: application/json
---@field form table<string, string|number>? URL-encoded
---@field multipart telltale.MultipartPart[]?
---@field timeout telltale.Duration? over the whole redirect chain
---@field follow boolean|integer? follow redirects (default false; true: up to 20)
---@field insecure boolean? skip TLS verification
---@field expect integer|integer[]? the statuses allowed (default: below 400)
---@field max_body telltale.Size? default --max-body
---@field traceparent boolean? false: send no W3C trace context (default: a traceparent per request)

---@class telltale.Request: telltale.RequestOptions
---@field method string? default GET
---@field url string

---@class telltale.Redirect
---@field status integer
---@field method string
---@field url string

---@class telltale.Cookie
---@field name string
---@field value string
---@field domain string?
---@field path string?
---@field expires string?
---@field max_age integer?
---@field secure boolean
---@field httponly boolean
---@field samesite string?

---@class telltale.Timings
---@field dns number ms
---@field connect number
---@field tls number
---@field ttfb number
---@field total number

---@class telltale.Response
---@field status integer
---@field headers table<string, string> case-insensitive lookup
---@field body string decoded (gzip, deflate, brotli, zstd)
---@field url string of the final request
---@field method string
---@field redirects telltale.Redirect[]
---@field cookies telltale.Cookie[]
---@field timings telltale.Timings
local Response = {}

---The body as UTF-8, decoded from its charset.
---@return string
function Response:text() end

---The decoded JSON body; invalid JSON fails with kind `assertion`.
---@return any
function Response:json() end

---@return telltale.HtmlDocument
function Response:html() end

---@param req telltale.Request
---@return telltale.Response
function http.request(req) end

---@param url string
---@param opts? telltale.RequestOptions
---@return telltale.Response
function http.get(url, opts) end

---@param url string
---@param opts? telltale.RequestOptions
---@return telltale.Response
function http.post(url, opts) end

---@param url string
---@param opts? telltale.RequestOptions
---@return telltale.Response
function http.put(url, opts) end

---@param url string
---@param opts? telltale.RequestOptions
---@return telltale.Response
function http.patch(url, opts) end

---@param url string
---@param opts? telltale.RequestOptions
---@return telltale.Response
function http.delete(url, opts) end

---@param url string
---@param opts? telltale.RequestOptions
---@return telltale.Response
function http.head(url, opts) end

---@param url string
---@param opts? telltale.RequestOptions
---@return telltale.Response
function http.options(url, opts) end

---What the scenario's cookie jar would send to `url`, longest path first.
---@param url string
---@return { name: string, value: string, domain: string, path: string, secure: boolean, httponly: boolean }[]
function http.cookies(url) end

-- ---- HTML ----

html = {}

---@class telltale.FormControl
---@field name string
---@field type string
---@field value string?
---@field checked boolean?
---@field options string[]?

---@class telltale.Form
---@field action string resolved, without its fragment
---@field method string
---@field enctype string
---@field url string the page's URL
---@field fields table<string, string> what the form would send
---@field hidden table<string, string>
---@field controls telltale.FormControl[]
local Form = {}

---@class telltale.SubmitOptions
---@field button string? name or value of the submit button to press
---@field extra boolean? allow fields the form does not have
---@field follow boolean? default true
---@field expect integer|integer[]?
---@field timeout telltale.Duration?
---@field headers table<string, string>?
---@field insecure boolean?
---@field max_body telltale.Size?

---Submit the form as a browser does.
---@param fields? table<string, string|number|boolean|string[]|{filename: string, content: string, type: string?}>
---@param opts? telltale.SubmitOptions
---@return telltale.Response
function Form:submit(fields, opts) end

---@class telltale.HtmlDocument
local HtmlDocument = {}

---@param text string
---@param base_url? string
---@param charset? string
---@return telltale.HtmlDocument
function html.parse(text, base_url, charset) end

---Strings for node sets; a number, boolean or string for other results.
---@param expr string
---@return string[]|number|boolean|string
function HtmlDocument:xpath(expr) end

---@param expr string
---@return string?
function HtmlDocument:first(expr) end

---The first form, or the one with that id or name, or the one an XPath selects.
---@param selector? string
---@return telltale.Form
function HtmlDocument:form(selector) end

---@param pattern? string a Lua pattern
---@return string[]
function HtmlDocument:links(pattern) end

---Free the parsed document now (also at garbage collection and `<close>`).
function HtmlDocument:close() end

-- ---- browser ----

browser = {}

---@alias telltale.FailOn "js_error"|"resource"

---@class telltale.PageOptions
---@field viewport { width: integer, height: integer }? default 1280×720
---@field user_agent string?
---@field locale string? e.g. "de-DE", also sent as Accept-Language
---@field fail_on telltale.FailOn[]? fail the step on the first such event

---@class telltale.WaitFor
---@field selector string? a visible element matches it
---@field text string? (in that element, or the page) shows this text
---@field url string? the page's URL contains it
---@field gone string? nothing visible matches it
---@field timeout telltale.Duration? its own, catchable deadline

---A page in headless Chromium, in its scenario's browser context.
---@class telltale.Page
local Page = {}

---@param opts? telltale.PageOptions
---@return telltale.Page
function browser.page(opts) end

---Navigate and wait for that event of the new document.
---@param url string
---@param opts? { wait_until: "load"|"domcontentloaded"|"networkidle"? }
function Page:visit(url, opts) end

---Set an input's or textarea's value as typing does.
---@param selector string
---@param text string
function Page:fill(selector, text) end

---Scroll into view and click the element's centre; fails if hidden, disabled or covered.
---@param selector string
function Page:click(selector) end

---Pick the <option> with that value (or text).
---@param selector string
---@param value string
function Page:select(selector, value) end

---One key to the focused element: "Enter", "Tab", "Escape", arrows, ... or one character.
---@param key string
function Page:press(key) end

---@param conditions telltale.WaitFor
function Page:wait_for(conditions) end

---The element's visible text, trimmed.
---@param selector string
---@return string
function Page:text(selector) end

---@param selector string
---@param name string
---@return string?
function Page:attr(selector, name) end

---Evaluate a JavaScript expression (a promise is awaited).
---@param js string
---@return any
function Page:eval(js) end

---@return string
function Page:url() end

---A PNG of the viewport: written to path (returned), or returned as a string.
---@param path? string
---@return string
function Page:screenshot(path) end

function Page:close() end

-- ---- PostgreSQL ----

db = {}

---@type lightuserdata SQL NULL (the same value as json.null)
db.null = nil

---@class telltale.DbOptions
---@field dsn string?
---@field host string?
---@field port integer|string?
---@field dbname string?
---@field user string?
---@field password string?
---@field sslmode string?
---@field connect_timeout telltale.Duration?
---@field application_name string?
---@field pool integer? default 4
---@field write boolean? default false

---@class telltale.Rows: table[]
---@field columns string[]
---@field affected integer? h:exec

---@class telltale.DbHandle
local DbHandle = {}

---@param dsn string|telltale.DbOptions
---@param opts? telltale.DbOptions
---@return telltale.DbHandle
function db.connect(dsn, opts) end

---In a READ ONLY transaction, rolled back.
---@param sql string
---@param ... any $1..$n
---@return telltale.Rows
function DbHandle:query(sql, ...) end

---A write, committed; needs { write = true }.
---@param sql string
---@param ... any
---@return telltale.Rows
function DbHandle:exec(sql, ...) end

---@param sql string
---@param ... any
---@return table
function DbHandle:one(sql, ...) end

---@param sql string
---@param ... any
---@return any
function DbHandle:value(sql, ...) end

---@param sql string
---@param params any[]?
---@param predicate? fun(row: table): boolean
---@param opts? { timeout: telltale.Duration?, interval: telltale.Duration? }
---@return table
function DbHandle:wait(sql, params, predicate, opts) end

---@param sql string returns one timestamp
---@param params any[]|telltale.Duration
---@param max_age? telltale.Duration
---@return integer age_ms
function DbHandle:fresh(sql, params, max_age) end

---@return integer
function DbHandle:connections() end

-- ---- files ----

fs = {}

---@param path string
---@param max_age telltale.Duration
---@return integer age_ms
---@return integer size
function fs.fresh(path, max_age) end

-- ---- e-mail ----

mail = {}

---An OAuth 2.0 access token, or how to get one (refreshed before it expires).
---@class telltale.OAuth2
---@field access_token string?
---@field token_url string?
---@field client_id string?
---@field client_secret string?
---@field refresh_token string?
---@field grant "client_credentials"?
---@field scope string?
---@field insecure boolean?

---@class telltale.MailboxOptions
---@field url string imaps://host:993/INBOX
---@field user string
---@field password string? or oauth2
---@field oauth2 telltale.OAuth2?
---@field sasl "oauthbearer"|"xoauth2"?
---@field starttls boolean?
---@field ca string? a PEM file
---@field insecure boolean?
---@field poll telltale.Duration?
---@field idle boolean? default true

---@alias telltale.Criterion string|{ pattern: string }

---@class telltale.WaitCriteria
---@field to telltale.Criterion?
---@field from telltale.Criterion?
---@field subject telltale.Criterion?
---@field body telltale.Criterion?
---@field since number? Unix seconds (default: the scenario's start)
---@field timeout telltale.Duration?

---@class telltale.Message
---@field subject string
---@field from string
---@field to string[]
---@field cc string[]
---@field date string
---@field message_id string
---@field headers table<string, string>
---@field text string?
---@field html string?
---@field links string[]
---@field uid integer
---@field size integer
local Message = {}

---The first link matching `pattern`, or a failure listing the links.
---@param pattern string
---@return string
function Message:link(pattern) end

---@param pattern string
---@return string ...
function Message:match(pattern) end

---@return string
function Message:raw() end

---@param name string
---@return string[]
function Message:header_all(name) end

function Message:delete() end

---@class telltale.Mailbox
local Mailbox = {}

---@param opts telltale.MailboxOptions
---@return telltale.Mailbox
function mail.mailbox(opts) end

---@param criteria telltale.WaitCriteria
---@return telltale.Message
function Mailbox:wait(criteria) end

---IMAP connections telltale holds open to the mailbox's server.
---@return integer
function Mailbox:connections() end

---"user+tt-<run id><n>@domain", unique to the run.
---@param address string
---@return string
function mail.address(address) end

---@class telltale.SendOptions
---@field url string smtp://host:587
---@field starttls "required"|"optional"|"off"?
---@field user string?
---@field password string?
---@field oauth2 telltale.OAuth2?
---@field sasl "oauthbearer"|"xoauth2"?
---@field ca string?
---@field insecure boolean?
---@field from string
---@field to string|string[]
---@field cc string|string[]?
---@field bcc string|string[]?
---@field subject string?
---@field text string?
---@field html string?
---@field headers table<string, string>?
---@field raw string?
---@field timeout telltale.Duration?

---@param opts telltale.SendOptions
---@return { code: integer, reply: string, queue_id: string?, message_id: string, tls: boolean, authenticated: boolean }
function mail.send(opts) end

---@class telltale.ProbeOptions
---@field url string smtp://host:587 or imaps://host:993
---@field starttls "required"|"optional"|"off"|boolean?
---@field user string?
---@field password string?
---@field oauth2 telltale.OAuth2?
---@field sasl "oauthbearer"|"xoauth2"?
---@field ca string?
---@field insecure boolean?
---@field timeout telltale.Duration? default 5s

---@param opts telltale.ProbeOptions
---@return { address: string, connect_ms: number, greeting: string, capabilities: string[], tls: boolean, authenticated: boolean }
function mail.probe(opts) end

net = {}

---@param opts { host: string, port: integer, timeout: telltale.Duration? }
---@return { address: string, connect_ms: number }
function net.tcp(opts) end
