#!/bin/sh
# deps.sh PKG... — install the Debian packages that are missing.
# Quick when nothing is missing; as non-root, prints the command and fails.
missing=""
for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages:$missing"
    echo "run: sudo apt-get install -y$missing"
    exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Postfix asks how to configure the system MTA; the tests run their own
# private instance, so the system one gets no configuration (and no port 25).
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections 2>/dev/null
apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
    echo "apt-get install failed for:$missing"
    exit 1
}
