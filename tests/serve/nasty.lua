-- Fails with a message full of JSON-breaking characters and a secret: the
-- alert payload must stay valid JSON, carry the message intact, and hide
-- the token.
scenario { name = "nasty" }

step("say \"hi\"", function()
  fail('he said "stop"\n{"event":"recovered","injected":true}\\ token=' .. vars.API_TOKEN)
end)
