-- html_test.lua — the html module (runner/html.c), run inside telltale's Lua.
-- Plain asserts: the first failing one stops the script with its message.

local function eq(got, want, what)
    assert(got == want, string.format("%s: got %q, want %q", what, tostring(got), tostring(want)))
end

-- Runs f, which must raise; returns the error message without the
-- "file:line: " position Lua puts in front of it.
local function raises(f, what)
    local ok, err = pcall(f)
    assert(not ok, what .. ": did not raise")
    return (tostring(err):gsub("^[^:]+:%d+: ", ""))
end

local page = [[
<!DOCTYPE html>
<html><head><title>Sign in &amp; stay</title></head>
<body>
  <h1 class="big">Welcome</h1>
  <ul id="nav">
    <li><a href="/about">About</a></li>
    <li><a href="orders?page=2#list">Orders</a></li>
    <li><a href="https://cdn.example.net/logo.png">Logo</a></li>
    <li><a name="anchor-only">no href</a></li>
    <li><a href="../logout">Log out</a></li>
  </ul>
  <form id="search" action="/search"><input name="q" value="shoes"></form>
  <form name="login" method="post" action="session/new">
    <input type="hidden" name="csrf_token" value="tok-123">
    <input type="text" name="user" value="alice">
    <input type="password" name="password">
    <input type="checkbox" name="remember" checked>
    <input type="checkbox" name="newsletter" value="yes">
    <input type="radio" name="plan" value="free">
    <input type="radio" name="plan" value="pro" checked>
    <input type="text" name="ghost" value="x" disabled>
    <input type="file" name="avatar">
    <input type="submit" name="go" value="Sign in">
    <input type="image" name="img" src="go.png">
    <button name="btn" value="b">Go</button>
    <select name="country">
      <option value="fr">France</option>
      <optgroup label="Others"><option value="de" selected>Germany</option></optgroup>
    </select>
    <select name="lang"><option>English</option><option>French</option></select>
    <textarea name="bio">Hello
world</textarea>
  </form>
  <form id="empty-action"><input type="hidden" name="step" value="2"></form>
</body></html>
]]

local base = "https://shop.example.com/account/login?next=%2F#top"
local doc = html.parse(page, base)
assert(tostring(doc):find("^HTML document %("), "tostring of an open document")

-- xpath: text of elements, values of attributes, a list in document order
local titles = doc:xpath("//title")
eq(#titles, 1, "one title")
eq(titles[1], "Sign in & stay", "title text, entity decoded")
eq(doc:xpath("//h1/@class")[1], "big", "attribute value")
local texts = doc:xpath("//ul[@id='nav']//a")
eq(#texts, 5, "anchors in nav")
eq(table.concat(texts, ","), "About,Orders,Logo,no href,Log out", "anchor texts in document order")
eq(#doc:xpath("//table"), 0, "no match is an empty list")

-- xpath: scalar results are single Lua values
eq(doc:xpath("count(//a)"), 5, "count()")
eq(math.type(doc:xpath("count(//form)")), "integer", "an integral count is a Lua integer")
eq(doc:xpath("count(//a) div 2"), 2.5, "a fractional number")
eq(doc:xpath("boolean(//form[@name='login'])"), true, "boolean()")
eq(doc:xpath("boolean(//blink)"), false, "boolean() false")
eq(doc:xpath("string(//h1)"), "Welcome", "string()")
eq(doc:xpath("normalize-space(//textarea)"), "Hello world", "normalize-space()")

-- first
eq(doc:first("//input[@name='user']/@value"), "alice", "first attribute")
eq(doc:first("//li/a"), "About", "first of many")
eq(doc:first("//marquee"), nil, "first of nothing is nil")
eq(doc:first("count(//li)"), 5, "first of a scalar is the scalar")

-- invalid XPath raises with the expression, whatever the error
for _, bad in ipairs({"//a[", "//@", "count()", "nosuchfn()", "$undefined", ""}) do
    eq(raises(function() return doc:xpath(bad) end, "xpath " .. bad), "invalid XPath expression: " .. bad,
       "error for " .. bad)
end
eq(raises(function() return doc:first("1 +") end, "first 1 +"), "invalid XPath expression: 1 +", "first error")

-- form by name: CSRF token, relative action resolved, method uppercased
local login = assert(doc:form("login"))
eq(login.action, "https://shop.example.com/account/session/new", "relative action resolved against base")
eq(login.method, "POST", "method uppercased")
eq(login.hidden.csrf_token, "tok-123", "CSRF token in hidden")
eq(login.fields.csrf_token, "tok-123", "hidden inputs are submitted too")
local nhidden = 0
for _ in pairs(login.hidden) do nhidden = nhidden + 1 end
eq(nhidden, 1, "hidden holds only type=hidden inputs")
eq(login.fields.user, "alice", "text input")
eq(login.fields.password, "", "input without value")
eq(login.fields.remember, "on", "checked checkbox without value is 'on'")
eq(login.fields.newsletter, nil, "unchecked checkbox not submitted")
eq(login.fields.plan, "pro", "checked radio")
eq(login.fields.ghost, nil, "disabled input not submitted")
eq(login.fields.avatar, nil, "file input not submitted")
eq(login.fields.go, nil, "submit not submitted")
eq(login.fields.img, nil, "image input not submitted")
eq(login.fields.btn, nil, "button not submitted")
eq(login.fields.country, "de", "selected option, inside an optgroup")
eq(login.fields.lang, "English", "no selected option: the first, by its text")
eq(login.fields.bio, "Hello\nworld", "textarea text")

-- form selection: default first, by id, by XPath, missing
local first = assert(doc:form())
eq(first.action, "https://shop.example.com/search", "default is the first form; absolute path action")
eq(first.method, "GET", "method defaults to GET")
eq(first.fields.q, "shoes", "first form field")
eq(assert(doc:form("search")).fields.q, "shoes", "form by id")
eq(assert(doc:form("//form[@method='post']")).hidden.csrf_token, "tok-123", "form by XPath")
eq(assert(doc:form("(//form)[3]")).fields.step, "2", "form by positional XPath")
eq(assert(doc:form("empty-action")).action, "https://shop.example.com/account/login?next=%2F",
   "missing action is the base URL, without its fragment")
-- a selector matching no form fails (kind assertion) saying what the page is and has
local function form_failure(d, sel)
    local ok, err = pcall(d.form, d, sel)
    assert(not ok, "form " .. tostring(sel) .. ": did not raise")
    assert(telltale.is_failure(err), "form " .. tostring(sel) .. ": a failure object")
    eq(err.kind, "assertion", "missing form kind")
    return err.message
end
local msg = form_failure(doc, "signup")
assert(msg:find("no form matching signup on " .. base, 1, true), "names selector and URL: " .. msg)
assert(msg:find('title "Sign in & stay"', 1, true), "names the title: " .. msg)
assert(msg:find('form#search (action "/search"), form[name=login] (action "session/new")', 1, true),
       "lists the forms: " .. msg)
assert(form_failure(doc, "//h1"):find("no form matching //h1", 1, true), "XPath selecting a non-form")
eq(raises(function() return doc:form("//form[") end, "form bad XPath"), "invalid XPath expression: //form[",
   "an XPath selector is checked")
local odd = html.parse([[<form id="it's &quot;odd&quot;" action="x"></form>]])
eq(assert(odd:form([[it's "odd"]])).action, "x", "an id with both quotes; no base keeps the action as written")
assert(form_failure(html.parse("<p>no forms</p>"), nil):find("forms on the page: none", 1, true), "no form at all")
eq(html.parse("<form></form>"):form().action, nil, "no action and no base: nil")

-- links: every a/@href, resolved; filtered with a Lua pattern
local links = doc:links()
eq(#links, 4, "anchors with href")
eq(links[1], "https://shop.example.com/about", "absolute path resolved")
eq(links[2], "https://shop.example.com/account/orders?page=2#list", "relative path resolved")
eq(links[3], "https://cdn.example.net/logo.png", "absolute URL kept")
eq(links[4], "https://shop.example.com/logout", "dot segments resolved")
local filtered = doc:links("^https://shop%.example%.com/")
eq(#filtered, 3, "filtered by pattern")
eq(filtered[3], "https://shop.example.com/logout", "filter keeps order")
eq(#doc:links("page=%d+"), 1, "pattern classes")
eq(#doc:links("nomatch"), 0, "nothing matches")
eq(html.parse('<a href="rel/x">x</a>'):links()[1], "rel/x", "no base: hrefs as written")
eq(html.parse('<a href="a b">x</a>', "http://h/"):links()[1], "http://h/a%20b", "a raw space is encoded")
eq(html.parse('<a href=" /caf\xc3\xa9 d?q=a b#x y ">x</a>', "http://h/p"):links()[1],
   "http://h/caf%C3%A9%20d?q=a%20b#x%20y", "UTF-8 and spaces encoded in path, query, fragment; trimmed")
eq(html.parse('<a href="mailto:x@example.com">x</a>', "http://h/"):links()[1], "mailto:x@example.com",
   "a mailto: link as written")
eq(html.parse('<a href="#top">x</a><a href="">y</a><a href="?p=2">z</a>', "http://h/a/b?q=1#f"):links()[1],
   "http://h/a/b?q=1#top", "a bare fragment keeps path and query")
eq(html.parse('<a href="">y</a>', "http://h/a/b?q=1#f"):links()[1], "http://h/a/b?q=1", "an empty href is the page")
eq(html.parse('<a href="?p=2">z</a>', "http://h/a/b?q=1#f"):links()[1], "http://h/a/b?p=2", "a query replaces the query")
eq(html.parse('<form action="/index.php/Special:CreateAccount"></form>', "https://wiki.example/index.php/Main"):form().action,
   "https://wiki.example/index.php/Special:CreateAccount", "a ':' in an action path stays a ':'")
eq(html.parse('<a href="HTTP://Example.COM/A">x</a>', "http://h/"):links()[1], "http://example.com/A", "host lower-cased")
assert(raises(function() return doc:links("%") end, "bad pattern"):find("malformed pattern"),
       "a malformed pattern raises")

-- malformed HTML is recovered, never an error
local messy = html.parse("<html><body><div><p>one<p>two</div><table><tr><td>cell</table><b><i>x</b></i>"
                         .. "<a href=/q?a=1&b=2>amp</a><p>caf\xc3\xa9 &unknown; &lt;</p>")
eq(table.concat(messy:xpath("//p"), "|"), "one|two|café &unknown; <", "unclosed paragraphs and entities")
eq(messy:first("//td"), "cell", "unclosed table")
eq(messy:links()[1], "/q?a=1&b=2", "unquoted attribute with bare &")
local latin1 = html.parse('<meta charset="iso-8859-1"><p>caf\xe9</p>')
eq(latin1:first("//p"), "café", "declared charset converted to UTF-8")
local broken = html.parse('<meta charset="iso-2022-jp"><p>a\x1b$B\xff\xff</p><p>after</p>')
assert(type(broken:xpath("//p")) == "table", "undecodable bytes are no error")
eq(#html.parse(""):xpath("//*"), 0, "empty text is an empty document")
eq(html.parse(""):first("//title"), nil, "nothing in an empty document")

-- arguments are checked
assert(raises(function() return html.parse(nil) end, "parse nil"):find("string expected, got nil"),
       "non-string text")
assert(raises(function() return html.parse(42) end, "parse number"):find("string expected, got number"),
       "a number is not a page")
assert(raises(function() return html.parse("<p>", {}) end, "parse table base"):find("bad argument #2"),
       "non-string base")
assert(raises(function() return doc:xpath() end, "xpath nil"):find("bad argument #1 to 'xpath'"),
       "missing expression")
assert(raises(function() return doc.xpath({}, "//a") end, "xpath on a table"):find("telltale.html.document expected, got table", 1, true),
       "method on something else")

-- close: idempotent; a closed document refuses queries
local closing = html.parse("<p>x</p>")
closing:close()
closing:close()
eq(tostring(closing), "HTML document (closed)", "tostring of a closed document")
for _, call in ipairs({
    function() return closing:xpath("//p") end, function() return closing:first("//p") end,
    function() return closing:form() end, function() return closing:links() end,
}) do
    eq(raises(call, "use after close"), "attempt to use a closed HTML document", "closed document")
end
do
    local scoped <close> = html.parse("<p>scoped</p>")
    eq(scoped:first("//p"), "scoped", "to-be-closed document")
end
doc:close()
collectgarbage()

print("html_test.lua: ok")
