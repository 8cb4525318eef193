#!/bin/sh
# Every design-note tag the sources cite has a note, as a TAP test (run by `make check`;
# by hand: top_srcdir=. tests/design-tags.sh).
#
# Cited tags: every `design.NAME[.NAME...]` (NAME: lower-case letters, digits, '_' and
# '-'; not preceded by a letter, digit or '_') in the C sources and headers under lib/
# and include/ (*.c, *.h, *.h.in; build products are not read).
#
# Defined tags, note by note (doc/design/*.md):
#   - every design.X on the note's first line that starts with "Tag:";
#   - every name .N that opens a section heading ("## .N...") or a bullet ("- `.N`..."),
#     where N runs up to the first character outside [a-z0-9_.-] and loses any trailing
#     dots.  In a note with one tag T, names are relative to it: .N defines T.N (heap.md,
#     "Tag: design.heap", makes `## .pr` design.heap.pr).  In a note with several tags,
#     names are relative to `design` and start with one of the tags: .N defines design.N
#     when design.N is, or begins with, a tag of the line (components.md, "Tag:
#     design.policy, design.alloc, ...", makes `## .policy.space` design.policy.space);
#     other names of such a note define nothing.
#
# A cited tag C resolves when a defined tag equals C or begins with C followed by a dot:
# an equal or more specific section covers it (design.copy is covered by a section
# .forwarding of the note tagged design.copy), a more general one does not.
#
#   1..K  one test per distinct cited tag, sorted: the notes that resolve it, or the
#         files that cite it when none does
#   K+1   every doc/design/*.md has a Tag: line and is listed in Makefile.am (EXTRA_DIST),
#         so that the dist tarball carries the notes this test reads
#
# Environment (exported by the Makefile): top_srcdir.

top_srcdir=${top_srcdir:-.}
docs=$top_srcdir/doc/design

tmp=$(mktemp -d 2>/dev/null) || {
  tmp=${TMPDIR:-/tmp}/design-tags.$$
  mkdir "$tmp" || exit 99
}
trap 'rm -rf "$tmp"' 0
trap 'exit 1' 1 2 13 15

if test ! -d "$top_srcdir/lib" || test ! -d "$docs"; then
  echo "Bail out! no lib/ or doc/design/ under top_srcdir=$top_srcdir"
  exit 1
fi

# "tag<TAB>file" for every citation (file relative to top_srcdir).
find "$top_srcdir/lib" "$top_srcdir/include" -type f \
     \( -name '*.c' -o -name '*.h' -o -name '*.h.in' \) \
     -exec awk -v prefix="$top_srcdir/" '
  {
    line = $0
    while (match(line, /design(\.[a-z0-9_-]+)+/)) {
      before = RSTART > 1 ? substr(line, RSTART - 1, 1) : ""
      if (before !~ /[A-Za-z0-9_]/) {
        f = FILENAME
        if (index(f, prefix) == 1) f = substr(f, length(prefix) + 1)
        print substr(line, RSTART, RLENGTH) "\t" f
      }
      line = substr(line, RSTART + RLENGTH)
    }
  }' {} + | sort -u > "$tmp/cited"

# "tag<TAB>note" for every defined tag.
for note in "$docs"/*.md; do
  test -f "$note" || continue
  awk -v note="doc/design/${note##*/}" '
    function clean(s) {
      if (match(s, /^\.[a-z0-9_.-]+/)) s = substr(s, 1, RLENGTH); else return ""
      while (s ~ /\.$/) s = substr(s, 1, length(s) - 1)
      return s
    }
    !seen_tag && /^Tag:/ {
      seen_tag = 1
      line = $0
      while (match(line, /design(\.[a-z0-9_-]+)+/)) {
        tags[++ntags] = substr(line, RSTART, RLENGTH)
        line = substr(line, RSTART + RLENGTH)
      }
      next
    }
    /^## \./ { names[++nnames] = clean(substr($0, 4)); next }
    /^[ \t]*- `\./ {
      s = $0
      sub(/^[ \t]*- `/, "", s)
      sub(/`.*/, "", s)
      names[++nnames] = clean(s)
    }
    END {
      for (i = 1; i <= ntags; i++) print tags[i] "\t" note
      for (j = 1; j <= nnames; j++) {
        if (names[j] == "") continue
        if (ntags == 1) { print tags[1] names[j] "\t" note; continue }
        full = "design" names[j]
        for (i = 1; i <= ntags; i++)
          if (full == tags[i] || index(full, tags[i] ".") == 1) { print full "\t" note; break }
      }
    }' "$note"
done | sort -u > "$tmp/defined"

# "tag<TAB>status<TAB>where": status ok with the notes, or missing with the citing files.
awk -F '\t' '
  NR == FNR { def[++n] = $1; where[n] = $2; next }
  {
    if (!($1 in order)) { order[$1] = ++k; tag[k] = $1; cites[$1] = $2 }
    else cites[$1] = cites[$1] ", " $2
  }
  END {
    for (t = 1; t <= k; t++) {
      c = tag[t]; found = ""
      for (i = 1; i <= n; i++)
        if (def[i] == c || index(def[i], c ".") == 1)
          if (index(", " found ", ", ", " where[i] ", ") == 0)
            found = found == "" ? where[i] : found ", " where[i]
      if (found != "") print c "\tok\t" found
      else print c "\tmissing\t" cites[c]
    }
  }' "$tmp/defined" "$tmp/cited" | sort > "$tmp/result"

ntags=$(wc -l < "$tmp/result" | tr -d ' ')
if test "$ntags" -eq 0; then
  echo "Bail out! no design.* tag found in the sources under $top_srcdir/lib and include"
  exit 1
fi

echo "1..$((ntags + 1))"
count=0
fail=0
while IFS='	' read -r t status where; do
  count=$((count + 1))
  if test "$status" = ok; then
    echo "ok $count - $t ($where)"
  else
    echo "not ok $count - $t has no section or bullet in doc/design/*.md"
    echo "# cited in $where"
    fail=1
  fi
done < "$tmp/result"

count=$((count + 1))
: > "$tmp/diag"
for note in "$docs"/*.md; do
  test -f "$note" || continue
  b=${note##*/}
  grep -q '^Tag: *design\.' "$note" || echo "doc/design/$b has no 'Tag: design.X' line" >> "$tmp/diag"
  grep -q "doc/design/$b" "$top_srcdir/Makefile.am" ||
    echo "doc/design/$b is not in Makefile.am (EXTRA_DIST)" >> "$tmp/diag"
done
if test -s "$tmp/diag"; then
  echo "not ok $count - every note has a Tag line and is distributed"
  sed 's/^/# /' "$tmp/diag"
  fail=1
else
  echo "ok $count - every note has a Tag line and is distributed"
fi
exit $fail
