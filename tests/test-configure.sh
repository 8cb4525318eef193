#!/bin/sh
# configure's switches, as a TAP test (run by `make check`).
#
#   1    `configure --help` explains every switch of design/API.md (and says that
#        --enable-fault-injection is for test builds, off by default)
#   2-7  a bad heap range stops configure, with a message that says what is wrong:
#        unaligned start, unaligned end, end <= start, a non-canonical end, a range below
#        4 GiB, a range too small for the spaces, and a value that is not a number
#
# configure checks the range before anything else, so each refusal takes a moment.
# Environment (exported by the Makefile): top_srcdir.

top_srcdir=${top_srcdir:-.}
configure=$(cd "$top_srcdir" && pwd)/configure

tmp=$(mktemp -d 2>/dev/null) || {
  tmp=${TMPDIR:-/tmp}/test-configure.$$
  mkdir "$tmp" || exit 99
}
trap 'rm -rf "$tmp"' 0
trap 'exit 1' 1 2 13 15

if test ! -x "$configure"; then
  echo "Bail out! $configure does not exist (run ./autogen.sh)"
  exit 1
fi

echo 1..8
count=0
: > "$tmp/diag"
report() {
  count=$((count + 1))
  if test -s "$tmp/diag"; then
    echo "not ok $count - $1"
    sed 's/^/# /' "$tmp/diag"
  else
    echo "ok $count - $1"
  fi
  : > "$tmp/diag"
}

# ---- 1: --help -------------------------------------------------------------------------
"$configure" --help > "$tmp/help" 2>&1 || echo "configure --help failed" >> "$tmp/diag"
for sw in --enable-single-worker --enable-side-metadata --with-heap-start --with-heap-end \
          --enable-vo-bit --enable-malloc-counted-size --enable-extreme-assertions \
          --enable-sanity --enable-nogc-lock-free --enable-fault-injection \
          --enable-immix-non-moving --enable-immix-smaller-block \
          --enable-immix-zero-on-release --enable-sticky-immix-non-moving-nursery; do
  # The switch and, on its line or the next, some words of explanation.
  awk -v sw="$sw" '
    index($0, sw) { found = 1; line = $0; sub(/^[[:space:]]*[^[:space:]]+/, "", line)
                    if (line ~ /[a-z][a-z]+ [a-z]+/) ok = 1; getline nxt
                    if (nxt ~ /^[[:space:]]+[a-z][a-z]+ [a-z]+/) ok = 1 }
    END { exit !(found && ok) }' "$tmp/help" ||
    echo "configure --help does not explain $sw" >> "$tmp/diag"
done
# A test-only switch says it is one, and that it is off by default.
sed -n '/--enable-fault-injection/,/^  --/p' "$tmp/help" | tr '\n' ' ' |
  grep -q 'test builds only (off by default)' ||
  echo "configure --help does not say --enable-fault-injection is test-only and off by default" \
    >> "$tmp/diag"
report "configure --help explains every switch"

# ---- 2..8: bad heap ranges -------------------------------------------------------------
# expect_refusal DESCRIPTION "MESSAGE PART" CONFIGURE-ARGS...
expect_refusal() {
  what=$1 want=$2
  shift 2
  mkdir -p "$tmp/build"
  if (cd "$tmp/build" && "$configure" "$@") \
       > "$tmp/out" 2>&1; then
    echo "configure $* succeeded" >> "$tmp/diag"
  elif ! grep -q "error: .*$want" "$tmp/out"; then
    echo "configure $* failed without saying \"$want\":" >> "$tmp/diag"
    tail -n 3 "$tmp/out" >> "$tmp/diag"
  fi
  report "$what"
}
expect_refusal "an unaligned heap start is refused" "not aligned to the 4 MiB chunk size" \
  --with-heap-start=0x100000001000 --with-heap-end=0x110000000000
expect_refusal "an unaligned heap end is refused" "not aligned to the 4 MiB chunk size" \
  --with-heap-start=0x100000000000 --with-heap-end=0x110000100000
expect_refusal "an end at or below the start is refused" "must be above" \
  --with-heap-start=0x110000000000 --with-heap-end=0x100000000000
expect_refusal "a non-canonical end is refused" "not a canonical user address" \
  --with-heap-start=0x100000000000 --with-heap-end=0x900000000000
expect_refusal "a range below 4 GiB is refused" "below 4 GiB" \
  --with-heap-start=0x400000 --with-heap-end=0x40000000
expect_refusal "a range too small for the spaces is refused" "too small" \
  --with-heap-start=0x100000000000 --with-heap-end=0x100000400000
expect_refusal "a value that is not an address is refused" "heap-start" \
  --with-heap-start=lots --with-heap-end=0x110000000000

exit 0
