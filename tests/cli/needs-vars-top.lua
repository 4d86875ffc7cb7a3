-- A top level that uses a var right away: the placeholder fails the call,
-- and check says which vars were missing.
local mb = mail.mailbox{ url = vars.IMAP_URL, user = vars.MAIL_USER, password = vars.MAIL_PASSWORD }
step("wait", function() mb:wait{ subject = "hello" } end)
