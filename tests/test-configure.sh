#!/bin/sh
# configure's switches, as a TAP test (run by `make check`).
#
#   1    `configure --help` explains every switch of design/API.md (and says that
#        --enable-fault-injection is for test builds, off by default)
#   2-8  a bad heap range stops configure, with a message that says what is wrong:
#        unaligned start, unaligned end, end <= start, a non-canonical end, a range below
#        4 GiB, a range too small for the spaces, and a value that is not a number
#   9    --with-malloc=mimalloc --enable-perf-counter --enable-nogc-no-zeroing configure
#        (mimalloc is built by no CI build: here at least its configuration is checked):
#        mmtk.pc's features and Libs.private, and <mmtk/config.h>
#   10-14 the switches that need a library or another switch refuse clearly: an unknown
#        --with-malloc, jemalloc, mimalloc or libpfm4 missing (made to look missing
#        through pkg-config's search path and configure's cache variables), and
#        --enable-nogc-no-zeroing with --disable-nogc-lock-free
#
# configure checks the range before anything else, so each refusal takes a moment; the
# others run configure's compiler checks (some seconds each).
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

echo 1..14
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
          --enable-immix-zero-on-release --enable-sticky-immix-non-moving-nursery \
          --with-malloc --enable-perf-counter --enable-nogc-no-zeroing \
          --enable-work-packet-stats; do
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

# ---- 9..14: feature switches ------------------------------------------------------------
# These refusals come after Automake's start, which refuses to configure elsewhere a
# source tree configured in place: configure runs in a bare copy of what it reads (itself,
# build-aux/, the .in files it writes from, and its AC_CONFIG_SRCDIR).  Test 9 configures
# fully and leaves a cache that tests 10, 12-14 read (each overrides the one result it is
# about), so that they run the compiler checks once; FUZZ_CC=false skips the libFuzzer
# link check, and is given to every run of the cache (configure insists on the same
# precious variables).
srcdir_abs=$(cd "$top_srcdir" && pwd)
mkdir -p "$tmp/src/lib" "$tmp/src/include/mmtk"
cp "$configure" "$tmp/src/"
cp -R "$srcdir_abs/build-aux" "$tmp/src/"
for f in Makefile.in mmtk.pc.in libmmtk.spec.in lib/mmtk.c include/mmtk/config.h.in \
         include/mmtk/version.h.in; do
  cp "$srcdir_abs/$f" "$tmp/src/$f"
done
configure=$tmp/src/configure
cache="--cache-file=$tmp/config.cache FUZZ_CC=false"

# 9: the three together, with mimalloc (no CI build uses mimalloc: its configuration is
# checked here at least).
if ! test -f /usr/include/mimalloc.h || ! test -f /usr/include/perfmon/pfmlib.h; then
  count=$((count + 1))
  echo "ok $count - # SKIP mimalloc or libpfm4 headers are not installed"
else
  rm -rf "$tmp/build" && mkdir -p "$tmp/build"
  # shellcheck disable=SC2086  # $cache is two words
  if ! (cd "$tmp/build" && "$configure" $cache --disable-dependency-tracking \
          --with-malloc=mimalloc --enable-perf-counter --enable-nogc-no-zeroing) \
       > "$tmp/out" 2>&1; then
    echo "configure --with-malloc=mimalloc --enable-perf-counter --enable-nogc-no-zeroing failed:" \
      >> "$tmp/diag"
    tail -n 5 "$tmp/out" >> "$tmp/diag"
  else
    pc=$tmp/build/mmtk.pc
    for f in nogc_no_zeroing nogc_lock_free malloc_mimalloc perf_counter; do
      grep -q "^features=.*\\b$f\\b" "$pc" || echo "mmtk.pc's features lack $f" >> "$tmp/diag"
    done
    grep -q '^Libs.private:.*-lmimalloc.*-lpfm' "$pc" ||
      echo "mmtk.pc's Libs.private lacks -lmimalloc -lpfm: $(grep Libs.private "$pc")" >> "$tmp/diag"
    ! grep -q '^Requires' "$pc" ||
      echo "mmtk.pc requires something: $(grep Requires "$pc")" >> "$tmp/diag"
    h=$tmp/build/include/mmtk/config.h
    for m in 'MMTK_MALLOC "mimalloc"' 'MMTK_HAVE_MALLOC_MIMALLOC 1' 'MMTK_HAVE_MALLOC_JEMALLOC 0' \
             'MMTK_HAVE_PERF_COUNTER 1' 'MMTK_HAVE_NOGC_NO_ZEROING 1' 'MMTK_HAVE_NOGC_LOCK_FREE 1'; do
      grep -q "#define $m\$" "$h" || echo "config.h lacks #define $m" >> "$tmp/diag"
    done
  fi
  report "--with-malloc=mimalloc --enable-perf-counter --enable-nogc-no-zeroing configure"
fi

# shellcheck disable=SC2086
expect_refusal "an unknown malloc is refused" "say libc, jemalloc or mimalloc" \
  $cache --with-malloc=tcmalloc
# Without the cache: PKG_CONFIG_LIBDIR is a precious variable.
expect_refusal "--with-malloc=jemalloc without jemalloc is refused" \
  "jemalloc was not found.*libjemalloc-dev" \
  FUZZ_CC=false --with-malloc=jemalloc PKG_CONFIG_LIBDIR=/nonexistent PKG_CONFIG_PATH=
# shellcheck disable=SC2086
expect_refusal "--with-malloc=mimalloc without mimalloc is refused" \
  "mimalloc.*not found.*libmimalloc-dev" \
  $cache --with-malloc=mimalloc ac_cv_lib_mimalloc_mi_malloc=no
# shellcheck disable=SC2086
expect_refusal "--enable-perf-counter without libpfm4 is refused" \
  "libpfm4 was not found.*libpfm4-dev" \
  $cache --enable-perf-counter ac_cv_lib_pfm_pfm_get_os_event_encoding=no
# shellcheck disable=SC2086
expect_refusal "--enable-nogc-no-zeroing with --disable-nogc-lock-free is refused" \
  "needs the lock-free NoGC space" \
  $cache --enable-nogc-no-zeroing --disable-nogc-lock-free

exit 0
