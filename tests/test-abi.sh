#!/bin/sh
# The ABI check (doc/abi.md), as a TAP test (run by `make check`).
#
#   1  `make abi-check` passes: the built library has the ABI of the committed baseline
#      abi/libmmtk.abi, or only additions to it
#   2  it fails on a deliberately broken library (tests/abi-broken.c: every function of
#      the baseline gone), and says so
#   3  it fails on a layout change of a public struct: two builds of tests/abi-broken.c
#      (ABI_ONE_FUNCTION), the second with a member inserted into mmtk_vm_binding_t
#   4  it passes when a member is appended to a size-guarded struct (mmtk_stats_t)
#
# Skipped when configure found no abidiff/abidw (Debian's abigail-tools; CI installs it).
# Environment (exported by the Makefile): top_srcdir, top_builddir, MAKE, CC, ABIDIFF, ABIDW.

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
MAKE=${MAKE:-make}
CC=${CC:-cc}

if test -z "${ABIDIFF:-}" || test -z "${ABIDW:-}"; then
  echo "1..0 # SKIP abidiff and abidw (abigail-tools) are not installed"
  exit 0
fi
tmp=$(mktemp -d 2>/dev/null) || {
  tmp=${TMPDIR:-/tmp}/test-abi.$$
  mkdir "$tmp" || exit 99
}
trap 'rm -rf "$tmp"' 0
trap 'exit 1' 1 2 13 15

echo 1..4
count=0
# result OK|FAIL DESCRIPTION [FILE]: a TAP line, with FILE's first lines as diagnostics.
result() {
  count=$((count + 1))
  if test "$1" = OK; then
    echo "ok $count - $2"
  else
    echo "not ok $count - $2"
    test -n "${3:-}" && sed 's/^/# /' "$3" | head -n 40
  fi
}
# The target in a separate, sequential make (not the enclosing check's jobserver).
abi_check() {
  (cd "$top_builddir" && env -u MAKEFLAGS -u MFLAGS "$MAKE" -s abi-check "$@") > "$tmp/out" 2>&1
}
# build_lib OUTPUT INCLUDE_DIR [CFLAGS...]: tests/abi-broken.c as a shared library with
# libmmtk's soname and version script.
build_lib() {
  out=$1 inc=$2
  shift 2
  "$CC" -g -shared -fPIC -I"$inc" "$@" -Wl,-soname,libmmtk.so.0 \
    -Wl,--version-script="$top_srcdir/lib/libmmtk.map" -o "$out" \
    "$top_srcdir/tests/abi-broken.c" > "$tmp/cc.out" 2>&1
}
# refused: the last abi_check failed and named the incompatibility.
refused() {
  grep -q 'NOT compatible' "$tmp/out"
}

# A copy of the public headers that config.h and version.h (generated, in the build
# directory) complete.
mkdir "$tmp/inc" "$tmp/inc2"
cp -R "$top_srcdir/include/." "$tmp/inc/"
cp "$top_builddir/include/mmtk/config.h" "$top_builddir/include/mmtk/version.h" "$tmp/inc/mmtk/" 2>/dev/null
cp -R "$tmp/inc/." "$tmp/inc2/"

# ---- 1 ----
if abi_check; then result OK "make abi-check passes on the built library"
else result FAIL "make abi-check passes on the built library" "$tmp/out"; fi

# ---- 2 ----
d="make abi-check fails on a library that lost its functions"
if ! build_lib "$tmp/libmmtk.so.0" "$tmp/inc"; then result FAIL "$d" "$tmp/cc.out"
elif abi_check ABI_LIBRARY="$tmp/libmmtk.so.0" || ! refused; then result FAIL "$d" "$tmp/out"
else result OK "$d ($(grep -m1 'Functions changes summary' "$tmp/out"))"; fi

# ---- 3, 4: struct layouts ----
good=$tmp/good.so
if build_lib "$good" "$tmp/inc" -DABI_ONE_FUNCTION &&
   "$ABIDW" --headers-dir "$tmp/inc" --no-corpus-path --drop-undefined-syms "$good" > "$tmp/good.abi" 2> "$tmp/abidw.out"; then
  ok_base=yes
else
  ok_base=
  cat "$tmp/abidw.out" >> "$tmp/cc.out"
fi

d="make abi-check fails when a member is inserted into mmtk_vm_binding_t"
sed 's|^  size_t (\*get_current_size)|  void *inserted_by_test_abi;\n&|' "$tmp/inc/mmtk/vm.h" > "$tmp/inc2/mmtk/vm.h"
if test -z "$ok_base"; then result FAIL "$d" "$tmp/cc.out"
elif ! grep -q inserted_by_test_abi "$tmp/inc2/mmtk/vm.h"; then
  echo "the test could not find get_current_size in <mmtk/vm.h>" > "$tmp/out"; result FAIL "$d" "$tmp/out"
elif ! build_lib "$tmp/bad.so" "$tmp/inc2" -DABI_ONE_FUNCTION; then result FAIL "$d" "$tmp/cc.out"
elif abi_check ABI_BASELINE="$tmp/good.abi" ABI_LIBRARY="$tmp/bad.so" || ! refused; then result FAIL "$d" "$tmp/out"
else result OK "$d"; fi

d="make abi-check passes when a member is appended to mmtk_stats_t"
cp "$tmp/inc/mmtk/vm.h" "$tmp/inc2/mmtk/vm.h"
sed 's|^} mmtk_stats_t;|  uint64_t appended_by_test_abi;\n&|' "$tmp/inc/mmtk/types.h" > "$tmp/inc2/mmtk/types.h"
if test -z "$ok_base"; then result FAIL "$d" "$tmp/cc.out"
elif ! grep -q appended_by_test_abi "$tmp/inc2/mmtk/types.h"; then
  echo "the test could not find the end of mmtk_stats_t in <mmtk/types.h>" > "$tmp/out"; result FAIL "$d" "$tmp/out"
elif ! build_lib "$tmp/grown.so" "$tmp/inc2" -DABI_ONE_FUNCTION; then result FAIL "$d" "$tmp/cc.out"
elif ! abi_check ABI_BASELINE="$tmp/good.abi" ABI_LIBRARY="$tmp/grown.so"; then result FAIL "$d" "$tmp/out"
else result OK "$d"; fi
exit 0
