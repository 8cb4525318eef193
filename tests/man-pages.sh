#!/bin/sh
# The manual pages, as a TAP test (run by `make check`; by hand:
#   top_srcdir=. top_builddir=BUILDDIR tests/man-pages.sh).
#
#   1  every function declared in the public headers has a page man/NAME.3
#   2  every function the built libmmtk.so exports has a page
#   3  every page is clean under `mandoc -T lint -W warning` (or `groff -ww`)
#   4  every function page has the sections NAME, SYNOPSIS, DESCRIPTION, RETURN VALUE,
#      ERRORS and SEE ALSO, names its function in NAME and SYNOPSIS, and shows the
#      #include and the link flags; a .so page points to a page that names it
#   5  man/local.mk installs every page
#   6  mmtk(3) refers to every page
#   7  mmtk_vm_binding_t(3) has an entry for every callback of mmtk_vm_binding_t in
#      <mmtk/vm.h>, and none for a callback the header does not have
#
# Environment (exported by the Makefile): top_srcdir, top_builddir, MANDOC (mandoc's
# path, empty when configure found none: then groff is used), NM.  Failures are
# reported as "not ok" lines with "#" diagnostics; the exit status is 0 so that the
# TAP driver reports them as failures, not errors.

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
mandir=$top_srcdir/man

tmp=$(mktemp -d 2>/dev/null) || {
  tmp=${TMPDIR:-/tmp}/man-pages.$$
  mkdir "$tmp" || exit 99
}
trap 'rm -rf "$tmp"' 0
trap 'exit 1' 1 2 13 15

echo 1..7
count=0

# report DESCRIPTION: "ok" if $tmp/diag is empty, else "not ok" and the diagnostics.
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
: > "$tmp/diag"

# A page made of one line ".so man3/OTHER.3" (an alias).
is_stub() {
  test "$(sed -n '$=' "$1")" = 1 && grep -q '^\.so ' "$1"
}

# The functions of the public headers (names starting with mmtk__ are internal helpers).
grep -ho 'mmtk_[a-z_0-9]*(' "$top_srcdir"/include/mmtk.h "$top_srcdir"/include/mmtk/*.h |
  sed 's/($//' | grep -v '^mmtk__' | sort -u > "$tmp/functions"
nfunctions=$(sed -n '$=' "$tmp/functions")

# ---- 1: header functions ---------------------------------------------------------------
if test -z "$nfunctions"; then
  echo "no function found in $top_srcdir/include" >> "$tmp/diag"
fi
while read -r f; do
  test -f "$mandir/$f.3" || echo "missing man/$f.3" >> "$tmp/diag"
done < "$tmp/functions"
report "every function of the public headers has a page (${nfunctions:-0} functions)"

# ---- 2: exported functions -------------------------------------------------------------
so=$top_builddir/lib/.libs/libmmtk.so
nexported=0
if test ! -f "$so"; then
  echo "$so does not exist: build the library first" >> "$tmp/diag"
elif ! ${NM:-nm} -D --defined-only "$so" > "$tmp/nm" 2> "$tmp/nm.err"; then
  echo "${NM:-nm} -D --defined-only $so failed:" >> "$tmp/diag"
  cat "$tmp/nm.err" >> "$tmp/diag"
else
  # BSD format: ADDRESS TYPE NAME[@VERSION]; T/W/i are functions.
  awk '$2 ~ /^[TWi]$/ { sub(/@.*/, "", $3); print $3 }' "$tmp/nm" | sort -u > "$tmp/exported"
  nexported=$(sed -n '$=' "$tmp/exported")
  test -n "$nexported" || echo "$so exports no function" >> "$tmp/diag"
  while read -r f; do
    test -f "$mandir/$f.3" || echo "missing man/$f.3 (exported by libmmtk.so)" >> "$tmp/diag"
  done < "$tmp/exported"
fi
report "every function libmmtk.so exports has a page (${nexported:-0} functions)"

# ---- 3: lint ---------------------------------------------------------------------------
# Pages are checked from a directory where man3 and man7 lead to man/, so that
# ".so man3/OTHER.3" resolves as it does once installed.
abs_mandir=$(cd "$mandir" && pwd)
mkdir "$tmp/root"
ln -s "$abs_mandir" "$tmp/root/man3"
ln -s "$abs_mandir" "$tmp/root/man7"
linter=
if test "${MANDOC+set}" != set; then
  MANDOC=$(command -v mandoc 2>/dev/null)
fi
if test -n "$MANDOC" && command -v "$MANDOC" > /dev/null 2>&1; then
  linter=mandoc
elif command -v groff > /dev/null 2>&1; then
  linter=groff
else
  echo "neither mandoc nor groff is available" >> "$tmp/diag"
fi
npages=0
for page in "$mandir"/*.3 "$mandir"/*.7; do
  test -f "$page" || continue
  npages=$((npages + 1))
  base=${page##*/}
  rel=man${base##*.}/$base
  if is_stub "$page"; then
    target=$(sed -n 's/^\.so[ 	]*//p' "$page")
    if test ! -f "$tmp/root/$target"; then
      echo "$base: .so $target: no such page" >> "$tmp/diag"
      continue
    fi
    if is_stub "$tmp/root/$target"; then
      echo "$base: .so $target: that page is itself a .so" >> "$tmp/diag"
      continue
    fi
  fi
  case $linter in
  mandoc)
    # ".so is fragile" is the one warning every alias page gets.
    (cd "$tmp/root" && "$MANDOC" -T lint -W warning "$rel" 2>&1) |
      grep -v 'WARNING: \.so is fragile' >> "$tmp/diag" ;;
  groff)
    (cd "$tmp/root" && groff -t -man -ww -z "$rel" 2>&1) >> "$tmp/diag" ;;
  esac
done
test "$npages" -gt 0 || echo "no page in $mandir" >> "$tmp/diag"
report "every page is clean under ${linter:-no linter} ($npages pages)"

# ---- 4: sections of the function pages -------------------------------------------------
while read -r f; do
  page=$mandir/$f.3
  test -f "$page" || continue   # reported by test 1
  if is_stub "$page"; then
    page=$tmp/root/$(sed -n 's/^\.so[ 	]*//p' "$page")
    test -f "$page" || continue # reported by test 3
  fi
  for section in NAME SYNOPSIS DESCRIPTION 'RETURN VALUE' ERRORS 'SEE ALSO'; do
    grep -q "^\\.SH \"\\{0,1\\}$section\"\\{0,1\\}\$" "$page" ||
      echo "$f: the page ${page##*/} has no $section section" >> "$tmp/diag"
  done
  sed -n '/^\.SH NAME/{n;p;}' "$page" | grep -Eq "(^|[ ,])$f([ ,]|\$)" ||
    echo "$f: not in the NAME line of ${page##*/}" >> "$tmp/diag"
  sed -n '/^\.SH SYNOPSIS/,/^\.SH/p' "$page" > "$tmp/synopsis"
  grep -q "$f(" "$tmp/synopsis" ||
    echo "$f: no prototype in the SYNOPSIS of ${page##*/}" >> "$tmp/diag"
  grep -q '#include <mmtk\.h>' "$tmp/synopsis" ||
    echo "$f: no #include <mmtk.h> in the SYNOPSIS of ${page##*/}" >> "$tmp/diag"
  grep -q 'lmmtk' "$tmp/synopsis" ||
    echo "$f: no -lmmtk in the SYNOPSIS of ${page##*/}" >> "$tmp/diag"
done < "$tmp/functions"
report "every function page has the required sections"

# ---- 5: installed ----------------------------------------------------------------------
for page in "$mandir"/*.3 "$mandir"/*.7; do
  test -f "$page" || continue
  grep -Eq "man/${page##*/}([[:space:]\\]|\$)" "$mandir/local.mk" ||
    echo "man/${page##*/} is not listed in man/local.mk" >> "$tmp/diag"
done
report "man/local.mk installs every page"

# ---- 6: the overview -------------------------------------------------------------------
sed 's/\\-/-/g' "$mandir/mmtk.3" > "$tmp/mmtk.3" 2>> "$tmp/diag"
for page in "$mandir"/*.3 "$mandir"/*.7; do
  test -f "$page" || continue
  name=${page##*/}
  name=${name%.*}
  test "$name" = mmtk && continue
  grep -Eq "(^|[^a-z_0-9-])$name([^a-z_0-9-]|\$)" "$tmp/mmtk.3" ||
    echo "mmtk(3) does not mention $name" >> "$tmp/diag"
done
report "mmtk(3) refers to every page"

# ---- 7: the binding's callbacks --------------------------------------------------------
# The header: every "(*name)(" inside struct mmtk_vm_binding.  The page: the names an
# entry (.TP) puts in italics on its tag line (.I name, or .IR a ", " b).
sed -n '/^typedef struct mmtk_vm_binding {/,/^} mmtk_vm_binding_t;/p' \
    "$top_srcdir/include/mmtk/vm.h" | grep -o '(\*[a-z_0-9]*)(' | tr -d '(*)' | sort -u \
  > "$tmp/callbacks.h"
test -s "$tmp/callbacks.h" || echo "no callback found in <mmtk/vm.h>" >> "$tmp/diag"
awk 'tp && /^\.IR? / { line = $0; gsub(/"[^"]*"/, " ", line); n = split(line, w, " ")
                        for (i = 2; i <= n; i++) print w[i] }
     { tp = ($0 == ".TP") }' "$mandir/mmtk_vm_binding_t.3" | sort -u > "$tmp/callbacks.3"
comm -23 "$tmp/callbacks.h" "$tmp/callbacks.3" | sed 's/^/not described in mmtk_vm_binding_t(3): /' >> "$tmp/diag"
comm -13 "$tmp/callbacks.h" "$tmp/callbacks.3" | sed 's/^/described in mmtk_vm_binding_t(3) but not in <mmtk\/vm.h>: /' >> "$tmp/diag"
report "mmtk_vm_binding_t(3) describes the $(sed -n '$=' "$tmp/callbacks.h") callbacks of <mmtk/vm.h>"

exit 0
