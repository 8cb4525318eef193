#!/bin/sh
# The shared library's ABI surface, as a TAP test (run by `make check`; by hand:
#   top_srcdir=. top_builddir=BUILDDIR tests/test-symbols.sh).
#
#   1  the soname is libmmtk.so.0 and the file is the one libtool versioned
#   2  every defined dynamic symbol is an mmtk_* function or object, versioned by the
#      release that added it: MMTK_0.2 for the names listed below, MMTK_0.1 for the rest
#   3  every out-of-line function of the public headers is exported (static inline ones
#      are not), and nothing is exported that the headers do not declare
#   4  the library needs nothing but libc (libpthread on old glibc, the dynamic loader
#      for thread-local storage), and the library of a feature that asks for one
#      (malloc_jemalloc, malloc_mimalloc, perf_counter: <mmtk/config.h> says)
#   5  every undefined symbol is resolved against a versioned glibc symbol, or is defined
#      by such a feature library
#
# Environment (exported by the Makefile): top_srcdir, top_builddir, NM, SANITIZER_FLAGS
# (a sanitizer build may also need the sanitizers' run-time libraries).

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
NM=${NM:-nm}
so=$top_builddir/lib/.libs/libmmtk.so.0

tmp=$(mktemp -d 2>/dev/null) || {
  tmp=${TMPDIR:-/tmp}/test-symbols.$$
  mkdir "$tmp" || exit 99
}
trap 'rm -rf "$tmp"' 0
trap 'exit 1' 1 2 13 15

echo 1..5
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

# The dynamic section, read with whichever of readelf and objdump exists.
dynamic() {
  if command -v readelf > /dev/null 2>&1; then
    readelf -d "$1" | sed -n 's/.*(\(SONAME\|NEEDED\)).*\[\(.*\)\].*/\1 \2/p'
  elif command -v objdump > /dev/null 2>&1; then
    objdump -p "$1" | awk '$1 == "SONAME" || $1 == "NEEDED" { print $1, $2 }'
  else
    echo "TOOL-MISSING neither readelf nor objdump"
  fi
}

if test ! -f "$so"; then
  echo "Bail out! $so does not exist: build the library first"
  exit 1
fi
dynamic "$so" > "$tmp/dynamic"
grep -q '^TOOL-MISSING' "$tmp/dynamic" && {
  echo "Bail out! neither readelf nor objdump is installed"
  exit 1
}

# ---- 1: soname -------------------------------------------------------------------------
soname=$(sed -n 's/^SONAME //p' "$tmp/dynamic")
test "$soname" = libmmtk.so.0 || echo "SONAME is '$soname', expected libmmtk.so.0" >> "$tmp/diag"
real=$(ls "$top_builddir"/lib/.libs/libmmtk.so.0.*.* 2>/dev/null | head -n 1)
test -n "$real" || echo "no libmmtk.so.0.AGE.REVISION file next to $so" >> "$tmp/diag"
report "soname libmmtk.so.0 (${real##*/})"

# ---- 2: only versioned mmtk_* symbols ---------------------------------------------------
# The functions each later node added (a released node never changes: this list only
# grows, by a new node).
v0_2="mmtk_after_fork mmtk_enumerate_objects mmtk_prepare_to_fork"
if ! $NM -D --defined-only "$so" > "$tmp/nm" 2> "$tmp/nm.err"; then
  echo "$NM -D --defined-only failed:" >> "$tmp/diag"
  cat "$tmp/nm.err" >> "$tmp/diag"
fi
# Lines are ADDRESS TYPE NAME@@VERSION; the version node itself is an absolute (A) symbol.
awk '$2 != "A"' "$tmp/nm" > "$tmp/defined"
ndefined=$(sed -n '$=' "$tmp/defined")
test -n "$ndefined" || echo "no defined dynamic symbol at all" >> "$tmp/diag"
awk -v v0_2="$v0_2" '
  BEGIN { n = split(v0_2, l, " "); for (i = 1; i <= n; i++) node[l[i]] = "MMTK_0.2" }
  {
    name = $3; sub(/@.*/, "", name)
    want = (name in node) ? node[name] : "MMTK_0.1"
    if ($3 !~ /^mmtk_[a-z0-9_]*@@MMTK_[0-9.]*$/)
      print "exported but not a versioned mmtk_* symbol: " $3
    else if ($3 != name "@@" want)
      print "exported as " $3 ", expected " name "@@" want
  }' "$tmp/defined" >> "$tmp/diag"
for v in MMTK_0.1 MMTK_0.2; do
  grep -q " A $v\$" "$tmp/nm" || echo "no version node $v" >> "$tmp/diag"
done
for f in $v0_2; do
  grep -q " $f@@" "$tmp/defined" || echo "$f (node MMTK_0.2) is not exported" >> "$tmp/diag"
done
report "every defined dynamic symbol is mmtk_*@@MMTK_0.1, or @@MMTK_0.2 for $v0_2 (${ndefined:-0} symbols)"

# ---- 3: exports match the headers --------------------------------------------------------
headers="$top_srcdir/include/mmtk.h $top_srcdir/include/mmtk/*.h"
# shellcheck disable=SC2086
grep -ho 'mmtk_[a-z_0-9]*(' $headers | sed 's/($//' | grep -v '^mmtk__' | sort -u \
  > "$tmp/declared"
# shellcheck disable=SC2086
grep -h -A2 'static inline' $headers | grep -o 'mmtk_[a-z_0-9]*(' | sed 's/($//' | sort -u \
  > "$tmp/inline"
comm -23 "$tmp/declared" "$tmp/inline" > "$tmp/outofline"
awk '$2 ~ /^[TWi]$/ { sub(/@.*/, "", $3); print $3 }' "$tmp/defined" | sort -u > "$tmp/exported"
comm -23 "$tmp/outofline" "$tmp/exported" | sed 's/^/declared in a header but not exported: /' \
  >> "$tmp/diag"
comm -13 "$tmp/outofline" "$tmp/exported" | sed 's/^/exported but not declared (or inline): /' \
  >> "$tmp/diag"
comm -12 "$tmp/inline" "$tmp/exported" | sed 's/^/static inline in a header yet exported: /' \
  >> "$tmp/diag"
report "exports are the out-of-line functions of the headers ($(sed -n '$=' "$tmp/outofline") functions, $(sed -n '$=' "$tmp/inline") inline)"

# ---- 4: NEEDED -----------------------------------------------------------------------------
config_h=$top_builddir/include/mmtk/config.h
has_feature() { grep -q "^#define MMTK_HAVE_$1 1" "$config_h"; }
feature_libs=""
has_feature MALLOC_JEMALLOC && feature_libs="$feature_libs libjemalloc"
has_feature MALLOC_MIMALLOC && feature_libs="$feature_libs libmimalloc"
has_feature PERF_COUNTER && feature_libs="$feature_libs libpfm"
sed -n 's/^NEEDED //p' "$tmp/dynamic" | while read -r lib; do
  case " $feature_libs " in *" ${lib%%.so*} "*) continue ;; esac
  case $lib in
  libc.so.*|libpthread.so.*|ld-linux*.so.*) ;;
  libasan.so.*|libubsan.so.*|libtsan.so.*|libstdc++.so.*|libm.so.*|libgcc_s.so.*)
    test -n "${SANITIZER_FLAGS:-}" || echo "needs $lib (only libc and pthreads are allowed)" ;;
  *) echo "needs $lib (only libc and pthreads are allowed)" ;;
  esac
done >> "$tmp/diag"
grep -q '^NEEDED libc\.so' "$tmp/dynamic" || echo "does not need libc: not a normal C library" >> "$tmp/diag"
report "needs only libc and pthreads, and its features' libraries ($(sed -n 's/^NEEDED //p' "$tmp/dynamic" | tr '\n' ' '))"

# ---- 5: undefined symbols ----------------------------------------------------------------
$NM -D --undefined-only "$so" > "$tmp/undef" 2>> "$tmp/diag"
# Weak undefined symbols (w/v) are optional hooks of the toolchain (__gmon_start__, ...).
if test -n "${SANITIZER_FLAGS:-}"; then
  sed -i '/__[a-z]*san_\|__ubsan\|@GCC_\|@CXXABI\|@GLIBCXX/d' "$tmp/undef"
  # The sanitizers' runtimes intercept malloc, memcpy, pthread_create ...: the link binds
  # those to them, unversioned.  Accept exactly the names a runtime defines.
  for rt in $(ldd "$so" 2>/dev/null | awk '/lib(a|ub|t)san\.so/ { print $3 }'); do
    $NM -D --defined-only "$rt"
  done | awk '{ sub(/@.*/, "", $NF); print $NF }' | sort -u > "$tmp/runtime"
  awk 'NR == FNR { rt[$1] = 1; next } !($2 in rt)' "$tmp/runtime" "$tmp/undef" > "$tmp/undef.own"
  mv "$tmp/undef.own" "$tmp/undef"
fi
# The feature libraries' own names (mallocx, mi_malloc, pfm_initialize, ...).
if test -n "$feature_libs"; then
  for lib in $feature_libs; do
    ldd "$so" 2>/dev/null | awk -v l="$lib.so" 'index($1, l) == 1 { print $3 }'
  done | while read -r path; do $NM -D --defined-only "$path"; done |
    awk '{ sub(/@.*/, "", $NF); print $NF }' | sort -u > "$tmp/featsyms"
  awk 'NR == FNR { f[$1] = 1; next } !($2 in f)' "$tmp/featsyms" "$tmp/undef" > "$tmp/undef.own"
  mv "$tmp/undef.own" "$tmp/undef"
fi
awk '$1 == "U" && $2 !~ /@GLIBC_/ { print "undefined and not from glibc: " $2 }' "$tmp/undef" \
  >> "$tmp/diag"
report "every undefined symbol comes from glibc ($(awk '$1 == "U"' "$tmp/undef" | wc -l) symbols)"

exit 0
