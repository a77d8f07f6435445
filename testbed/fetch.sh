#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch into the cache what the later stages would download on first use:
# the pinned base, QEMU 10.0, the arm64 busybox and libuuid, sparse.
# check.sh runs this in the background from the start, beside selftest and
# the tree, whose one busy core leaves the other for the downloads and
# unpacking; each fetch script holds its cache directory's lock while it
# fills it, so a stage that needs one meanwhile waits for it.  Results:
# build/results/fetch.tap.
. "$(dirname "$0")/lib.sh"

tap_start fetch
# The base first: the tree stage, beside this one, needs it at once.
for f in fetch-base fetch-qemu fetch-arm64 fetch-sparse; do
	if "$TESTBED/$f.sh" > /dev/null; then
		ok "$f.sh"
	else
		nok "$f.sh"
	fi
done
tap_end
