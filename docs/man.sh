#!/bin/sh
# man.sh TELLTALE — print the man page telltale(1), made from the binary's
# own help: `telltale --help`, `wrap --help` and `serve --help` are the one
# source of the synopsis, the options, the exit codes and the failure
# kinds, so the page cannot say something --help does not.  The prose
# around them (description, environment, files) is below.
#   make man   # regenerates docs/telltale.1; tests/cli.sh checks it is current
set -eu
BIN=$1

# help2roff TITLE [REST-TITLE INSERT-FILE] — roff for one help text on
# stdin, under .SH TITLE (the rest under .SH REST-TITLE, after the text of
# INSERT-FILE, when given): "usage:" lines
# become a synopsis, "  -x, --opt ARG   text" lines tagged paragraphs
# (deeper-indented lines continue them), "name:" lines subsection titles,
# "exit codes:" the EXIT STATUS text, everything else paragraphs.
help2roff() {
    awk -v title="$1" -v rest_title="${2:-}" -v insert="${3:-}" '
    function esc(s) { gsub(/\\/, "\\e", s); gsub(/-/, "\\-", s); return s }
    function text(s) { s = esc(s); if (s ~ /^[.\047]/) s = "\\&" s; return s }
    function tag(term,   n, i, w, out, parts) {
        # option names bold, their arguments italic
        n = split(term, parts, " ")
        out = ""
        for (i = 1; i <= n; i++) {
            w = parts[i]
            if (w ~ /^-/) {
                sub(/,$/, "", w)
                out = out (out == "" ? "" : (parts[i - 1] ~ /,$/ ? ", " : " ")) "\\fB" esc(w) "\\fR"
            } else {
                out = out " \\fI" esc(w) "\\fR"
            }
        }
        return out
    }
    BEGIN { print ".SH " title; mode = "" }
    /^usage: / { sub(/^usage: /, ""); print ".nf"; print text($0); mode = "usage"; next }
    mode == "usage" && /^       / { sub(/^ +/, ""); print text($0); next }
    mode == "usage" {
        print ".fi"; mode = ""
        if (rest_title != "") {
            while ((getline l < insert) > 0) print l
            print ".SH " rest_title
        }
    }
    /^$/ { mode = (mode == "list" || mode == "para") ? "" : mode; next }
    /^[a-z][a-z ()]*:$/ { sub(/:$/, ""); print ".SS " text(toupper(substr($0, 1, 1)) substr($0, 2)); mode = "list"; next }
    /^exit codes:/ { print ".SS Exit status"; sub(/^exit codes: */, ""); print text($0); mode = "para"; next }
    /^  +-/ || (mode == "list" && /^  [a-z]/) {
        line = $0; sub(/^ +/, "", line)
        if (match(line, /  +/)) { term = substr(line, 1, RSTART - 1); rest = substr(line, RSTART + RLENGTH) }
        else { term = line; rest = "" }
        print ".TP"
        print (term ~ /^-/ ? tag(term) : "\\fB" esc(term) "\\fR")
        if (rest != "") print text(rest)
        mode = "list"; next
    }
    /^      +/ && (mode == "list" || mode == "para") { sub(/^ +/, ""); print text($0); next }
    { if (mode != "para") print ".PP"; sub(/^ +/, ""); print text($0); mode = "para" }
    END { if (mode == "usage") print ".fi" }
    '
}

DESCRIPTION=$(mktemp)
trap 'rm -f "$DESCRIPTION"' EXIT
cat > "$DESCRIPTION" <<'ROFF'
.SH DESCRIPTION
A scenario is a Lua file of ordered steps, each with a deadline, that act
over HTTP and then check what should have happened: the row in PostgreSQL,
the mail in the mailbox, the file on disk.
.B telltale run
runs scenarios once (a CI gate, or by hand with
.BR \-v ", " \-\-trace ", " \-\-artifacts );
.B telltale serve
runs them on schedules as a canary with alerts and metrics;
.B telltale wrap
is a heartbeat around a cron job.
The Lua API is described in the README and, for editors, in
.IR share/telltale/lua/telltale.lua .
ROFF
cat <<'ROFF'
.TH TELLTALE 1 "" "telltale" "User Commands"
.SH NAME
telltale \- play real user flows against a running system and prove their side effects
ROFF
"$BIN" --help | help2roff "SYNOPSIS" "OPTIONS" "$DESCRIPTION"
"$BIN" wrap --help | help2roff "WRAP"
"$BIN" serve --help | help2roff "SERVE"
cat <<'ROFF'
.SH ENVIRONMENT
.TP
.B NO_COLOR
when set and not empty, no colour (as \fB\-\-no\-color\fR).
.TP
.B TERM
the status line of what runs now is drawn only when stdout is a terminal
and \fBTERM\fR is set and not \fBdumb\fR (and not with \fB\-\-trace\fR).
.TP
.B TELLTALE_PING_URL
the default \fB\-\-ping\fR of \fBtelltale wrap\fR.
.TP
.B XDG_STATE_HOME
where \fBtelltale wrap\fR keeps its log.
.SH FILES
.TP
.I share/telltale/lua/telltale.lua
LuaLS definitions of the scenario API (\fB\-\-\-@meta\fR), for completion
and type checks in an editor: add the directory to
\fBworkspace.library\fR.
.TP
.I share/bash\-completion/completions/telltale
.TQ
.I share/zsh/site\-functions/_telltale
shell completion of commands, options and scenario files.
.SH SEE ALSO
The README: the scenario API, reports, \fBserve\fR's configuration.
ROFF
