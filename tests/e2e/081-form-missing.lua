-- doc:form on a page without that form fails the step (assertion), naming
-- the selector, the page's URL and title, and the forms it does have.
-- test: args --var BASE=$TT_HTTP
-- test: exit 1
-- test: stdout-has [assertion] no form matching signup on $TT_HTTP/static/forms.html (title "Forms under test"); forms on the page: form#all (action "/app/echo/all?old=1#frag"), form#upload
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "assertion"
step("missing", function()
  local page = http.get(vars.BASE .. "/static/forms.html"):html()
  page:form("signup").fields.email = "x"
end)
