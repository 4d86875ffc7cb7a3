# harness.sh — what every test driver shares; source it after setting HERE
# (the tests/ directory), with the binary under test as the argument:
#   . "$HERE/lib/harness.sh" "$1"
# Sets BIN (absolute), SLOW (3 for a sanitizer build, whose runs are
# slower: time bounds are scaled by it), and the sanitizer and colour
# settings every run inherits.
BIN=$(realpath "$1")
SLOW=1
case "$BIN" in *asan* | *tsan*) SLOW=3 ;; esac
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$HERE/lsan.supp:print_suppressions=0}
export TSAN_OPTIONS=${TSAN_OPTIONS:-suppressions=$HERE/tsan.supp:second_deadlock_stack=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export NO_COLOR=1
. "$HERE/lib/cases.sh"
. "$HERE/lib/ports.sh"
