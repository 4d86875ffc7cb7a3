#!/bin/sh
# embed.sh OUT.c FILE.lua... — compile Lua modules into a C array (see embed.h).
# Uses od, not xxd: od is in coreutils on every Debian machine.
set -eu
out=$1; shift
{
    echo '#include "embed.h"'
    i=0
    for f in "$@"; do
        echo "static const unsigned char file$i[] = {"
        od -An -v -tx1 "$f" | sed -e 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'
        echo "};"
        i=$((i + 1))
    done
    echo "const struct embed_file embed_files[] = {"
    i=0
    for f in "$@"; do
        name=$(basename "$f" .lua)
        echo "    {\"$name\", file$i, sizeof file$i},"
        i=$((i + 1))
    done
    echo "    {0, 0, 0},"
    echo "};"
} > "$out.tmp"
mv "$out.tmp" "$out"
