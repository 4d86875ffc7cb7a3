-- Does not load: UNKNOWN for Nagios.
step("x", function() end
