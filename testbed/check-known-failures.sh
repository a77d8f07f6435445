#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check that every case guest/known-failures excuses fails on the stock
# kernel too: the guest stage excuses them as failures of the base, which
# this shows from a boot of the stock kernel running the same selftests.
#
#   check-known-failures.sh LOG     LOG: the boot log (qemu.sh) of the stock
#                                   kernel with tests=iommufd
#
# Prints one line per case; fails if the boot did not finish, ran no case,
# or a listed case did not fail.
. "$(dirname "$0")/lib.sh"

log_file=$1
list=$TESTBED/guest/known-failures
[ -f "$log_file" ] || { echo "known failures: no stock log $log_file"; exit 1; }
grep -q '^==== GUEST done' "$log_file" ||
	{ echo "known failures: the stock boot did not finish ($log_file)"; exit 1; }
grep -qE '^(not )?ok [0-9]+ ' "$log_file" ||
	{ echo "known failures: the stock boot ran no selftest case ($log_file)"; exit 1; }

# The serial console ends lines with CR LF.
results=$(tr -d '\r' < "$log_file" | grep -E '^(not )?ok [0-9]+ ')
n=0 bad=0
while IFS=$'\t' read -r name _; do
	case "$name" in ''|'#'*) continue ;; esac
	n=$((n + 1))
	if grep -qE "^not ok [0-9]+ ${name//./\\.}( |\$)" <<<"$results"; then
		echo "known failure $name: fails on the stock kernel too"
	else
		echo "FAIL: known failure $name does not fail on the stock kernel"
		bad=$((bad + 1))
	fi
done < "$list"
((n > 0)) || { echo "known failures: $list lists no case"; exit 1; }
echo "known failures: $((n - bad)) of $n fail on the stock kernel ($log_file)"
((bad == 0))
