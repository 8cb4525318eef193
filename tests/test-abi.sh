#!/bin/sh
# The ABI check (doc/abi.md), as a TAP test (run by `make check`).
#
#   1  `make abi-check` passes: the built library has no incompatible change against the
#      committed baseline abi/libmmtk.abi
#   2  `make abi-check` fails on a deliberately broken library (tests/abi-broken.c: a
#      function whose signature changed, the others removed), and says so
#
# Skipped when configure found no abidiff (Debian's abigail-tools; CI installs it).
# Environment (exported by the Makefile): top_srcdir, top_builddir, MAKE, CC, ABIDIFF.

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
MAKE=${MAKE:-make}
CC=${CC:-cc}

if test -z "${ABIDIFF:-}"; then
  echo "1..0 # SKIP abidiff (abigail-tools) is not installed"
  exit 0
fi
tmp=$(mktemp -d 2>/dev/null) || {
  tmp=${TMPDIR:-/tmp}/test-abi.$$
  mkdir "$tmp" || exit 99
}
trap 'rm -rf "$tmp"' 0
trap 'exit 1' 1 2 13 15

echo 1..2
# The target in a separate, sequential make (not the enclosing check's jobserver).
abi_check() {
  (cd "$top_builddir" && env -u MAKEFLAGS -u MFLAGS "$MAKE" -s abi-check "$@")
}

if abi_check > "$tmp/out" 2>&1; then
  echo "ok 1 - make abi-check passes on the built library"
else
  echo "not ok 1 - make abi-check passes on the built library"
  sed 's/^/# /' "$tmp/out" | head -n 60
fi

if ! "$CC" -g -shared -fPIC -Wl,-soname,libmmtk.so.0 -o "$tmp/libmmtk.so.0" \
     "$top_srcdir/tests/abi-broken.c" > "$tmp/cc.out" 2>&1; then
  echo "not ok 2 - make abi-check fails on a broken library"
  echo "# cannot build the broken library:"
  sed 's/^/# /' "$tmp/cc.out"
elif abi_check ABI_LIBRARY="$tmp/libmmtk.so.0" > "$tmp/out" 2>&1; then
  echo "not ok 2 - make abi-check fails on a broken library"
  echo "# it passed:"
  sed 's/^/# /' "$tmp/out" | head -n 40
elif ! grep -q 'NOT compatible' "$tmp/out" || ! grep -q 'Removed functions' "$tmp/out"; then
  echo "not ok 2 - make abi-check fails on a broken library"
  echo "# it failed without naming the incompatibility:"
  sed 's/^/# /' "$tmp/out" | head -n 40
else
  echo "ok 2 - make abi-check fails on a broken library ($(grep -m1 'Functions changes summary' "$tmp/out"))"
fi
exit 0
