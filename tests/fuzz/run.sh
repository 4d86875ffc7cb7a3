#!/usr/bin/env bash
# run.sh DIR SECONDS — run every libFuzzer harness in DIR (build-fuzz/fuzz)
# for SECONDS each: first over its committed corpus, tests/fuzz/corpus/NAME/
# (every file there is replayed: the seeds and the inputs that once crashed),
# then mutating for the rest of the time.  New interesting inputs go to a
# scratch directory, not into the repository; a crash, a leak, a timeout or
# a sanitizer report fails the run and leaves the input in
# build-fuzz/crashes/ (add it to the corpus once fixed: it is then a
# regression test).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${1:?usage: run.sh DIR SECONDS}
SECONDS_EACH=${2:-5}
CRASHES=$(dirname "$DIR")/crashes
SCRATCH=$(mktemp -d /tmp/telltale-fuzz.XXXXXX)
trap 'rm -rf "$SCRATCH"' EXIT
mkdir -p "$CRASHES"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=0 ran=0
for bin in "$DIR"/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    corpus=$HERE/corpus/$name
    if [ ! -d "$corpus" ] || [ -z "$(ls -A "$corpus")" ]; then
        echo "FAIL $name: no seed corpus in $corpus"
        failed=$((failed + 1))
        continue
    fi
    mkdir -p "$SCRATCH/$name"
    log=$SCRATCH/$name.log
    # -close_fd_mask=3: the harnesses' own output (usage errors) is noise;
    # libFuzzer and the sanitizers still report on their own descriptor.
    "$bin" "$SCRATCH/$name" "$corpus" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -close_fd_mask=3 -print_final_stats=1 -artifact_prefix="$CRASHES/$name-" >"$log" 2>&1
    rc=$?
    ran=$((ran + 1))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ $rc -ne 0 ]; then
        echo "FAIL $name (exit $rc after ${runs:-?} runs):"
        grep -E 'ERROR|SUMMARY|Test unit written|==[0-9]+==|#[0-9]+ ' "$log" | grep -v '^#[0-9]* *\(NEW\|REDUCE\|pulse\|INITED\)' | head -40
        failed=$((failed + 1))
    else
        echo "ok   $name: ${runs:-?} runs in ${SECONDS_EACH}s, corpus $(ls "$corpus" | wc -l) committed + $(ls "$SCRATCH/$name" | wc -l) new"
    fi
done
[ $ran -gt 0 ] || { echo "FAIL: no harness in $DIR"; exit 1; }
[ $failed -eq 0 ] || { echo "$failed harness(es) failed; inputs in $CRASHES"; exit 1; }
echo "fuzz: $ran harnesses, no crash"
