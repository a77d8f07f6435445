#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Export the series from a kernel tree:
#   - patches/: git format-patch --cover-letter of base..HEAD, plus "series"
#   - drivers/, include/, tools/, Documentation/: read-only copies of every
#     file the series creates
#   - MAINTAINERS: the entries the series adds or changes
#
#   export.sh [TREE [OUT]]     defaults: build/linux, the repository top
#
# The output depends only on the commits: committer and committer date are
# normalized to the author's, and the cover letter's date is the last
# commit's.  The cover letter's subject and blurb are kept from OUT.
. "$(dirname "$0")/lib.sh"

dir=${1:-$TREE}
out=${2:-$TOP}
[ -d "$dir/.git" ] || die "no kernel tree at $dir: run 'make tree'"
for op in rebase-merge rebase-apply MERGE_HEAD CHERRY_PICK_HEAD; do
	[ ! -e "$dir/.git/$op" ] || die "$dir: a rebase, am, merge or cherry-pick is in progress"
done
[ -z "$(git -C "$dir" status --porcelain --untracked-files=no)" ] ||
	die "$dir has uncommitted changes: commit them first"
base=$(git -C "$dir" rev-parse base)
[ "$(git -C "$dir" rev-list --count base..HEAD)" -gt 0 ] || die "no commits on top of base"

# Normalize committer identity and date (a no-op when already normal).
FILTER_BRANCH_SQUELCH_WARNING=1 git -C "$dir" filter-branch -f --env-filter '
	export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME"
	export GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
	export GIT_COMMITTER_DATE="$GIT_AUTHOR_DATE"' base..HEAD >/dev/null 2>&1 ||
	die "could not normalize committers in $dir"
rm -rf "$dir/.git/refs/original"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

git -C "$dir" -c core.abbrev=12 format-patch -q --cover-letter --base="$base" \
	-o "$tmp/patches" base..HEAD

# Keep the cover letter's subject and blurb, fix its date.
cover=$tmp/patches/0000-cover-letter.patch
old=$out/patches/0000-cover-letter.patch
date=$(git -C "$dir" log -1 --format=%aD HEAD)
python3 - "$cover" "$old" "$date" <<'PY'
import re, sys, os
cover, old, date = sys.argv[1:4]
text = open(cover).read()
subject, blurb = "*** SUBJECT HERE ***", "*** BLURB HERE ***"
if os.path.exists(old):
    o = open(old).read()
    m = re.search(r"^Subject: \[PATCH[^\]]*\] (.*(?:\n .*)*)$", o, re.M)
    if m:
        subject = m.group(1)
    head, _, body = o.partition("\n\n")
    # The blurb runs up to the shortlog ("Name (N):" line).
    m = re.search(r"^\S.* \(\d+\):$", body, re.M)
    if m:
        blurb = body[:m.start()].rstrip("\n")
text = text.replace("*** SUBJECT HERE ***", subject, 1)
text = text.replace("*** BLURB HERE ***", blurb, 1)
text = re.sub(r"^Date: .*$", "Date: " + date, text, count=1, flags=re.M)
open(cover, "w").write(text)
PY
(cd "$tmp/patches" && ls [0-9]*.patch | grep -v '^0000-cover-letter' > series)

# Read-only copies of the files the series creates.
mkdir -p "$tmp/files"
git -C "$dir" diff --name-only --diff-filter=A base HEAD | while read -r f; do
	case "$f" in drivers/*|include/*|tools/*|Documentation/*) ;; *) continue ;; esac
	mkdir -p "$tmp/files/$(dirname "$f")"
	git -C "$dir" show "HEAD:$f" > "$tmp/files/$f"
done

# The MAINTAINERS entries that the series adds or changes.
git -C "$dir" diff -U0 base HEAD -- MAINTAINERS |
	sed -n 's/^@@ -[0-9,]* +\([0-9]*\)\(,\([0-9]*\)\)\? @@.*/\1 \3/p' > "$tmp/maint.lines"
git -C "$dir" show HEAD:MAINTAINERS > "$tmp/maint.new"
python3 - "$tmp/maint.new" "$tmp/maint.lines" > "$tmp/MAINTAINERS" <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
changed = []
for l in open(sys.argv[2]):
    start, _, count = l.strip().partition(" ")
    count = int(count) if count else 1
    changed += range(int(start) - 1, int(start) - 1 + count)
blocks = []
for i in changed:
    if not lines[i].strip():
        continue
    s = i
    while s > 0 and lines[s - 1].strip():
        s -= 1
    e = i
    while e + 1 < len(lines) and lines[e + 1].strip():
        e += 1
    if (s, e) not in blocks:
        blocks.append((s, e))
print("\n\n".join("\n".join(lines[s:e + 1]) for s, e in blocks))
PY

# Install into OUT.
rm -rf "$out/patches"
mv "$tmp/patches" "$out/patches"
for d in drivers include tools Documentation; do
	[ -e "$out/$d" ] && chmod -R u+w "$out/$d" && rm -rf "${out:?}/$d"
	[ -d "$tmp/files/$d" ] && cp -r "$tmp/files/$d" "$out/$d"
done
for d in drivers include tools Documentation; do
	[ -d "$out/$d" ] && chmod -R a-w "$out/$d"
done
rm -f "$out/MAINTAINERS"
if [ -s "$tmp/MAINTAINERS" ] && [ "$(cat "$tmp/MAINTAINERS")" != "" ]; then
	cp "$tmp/MAINTAINERS" "$out/MAINTAINERS"
fi
git -C "$dir" branch -f exported HEAD >/dev/null
log "exported $(wc -l < "$out/patches/series") patches to $out/patches"
