-- A field the form does not have is a script error listing its fields: a
-- typo must not post the form without the value.
-- test: args --var BASE=$TT_HTTP
-- test: exit 1
-- test: stdout-has has no field "pasword" (pass extra = true to send it anyway); its fields: csrf, user, password
-- test: json r["scenarios"][0]["steps"][0]["failure"]["kind"] == "script"
step("typo", function()
  local page = http.get(vars.BASE .. "/static/forms.html"):html()
  page:form("login"):submit({ user = "u", pasword = "p" })
end)
