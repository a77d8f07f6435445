# SPDX-License-Identifier: GPL-2.0
#
# entry_sync / VT-d hitless replace: the patch series in patches/ and the
# testbed that builds, boots and measures it.  "make help" lists targets.

SHELL := /bin/bash
TB := testbed

.PHONY: help check demo setup fetch tree export check-export lint \
	checkpatch warnings bisect cross mutants kunit kunit-uml kunit-x86_64 kunit-arm64 guest \
	guest-arm64 guest-debug bench clean

help:
	@echo "make demo          stock vs patched kernel: domain replace under DMA (VT-d, SMMUv3), one table"
	@echo "make check         every test: export, lint, KUnit (UML, x86_64 and arm64 guests), guest selftests"
	@echo "make tree          base + patches/ -> build/linux (a git tree to edit)"
	@echo "make export        build/linux -> patches/, top-level copies, MAINTAINERS"
	@echo "make check-export  patches/ reproduces the committed export"
	@echo "make lint          checkpatch, sparse + W=1, bisect build, i386/riscv64 build"
	@echo "make mutants       break entry_sync in known ways; its KUnit suite must fail each"
	@echo "make kunit-uml | kunit-x86_64 | kunit-arm64 | guest | guest-arm64 | guest-debug"
	@echo "make bench         entry_sync_write64() vs 7.3's SMMUv3 writer, same vectors"

check:
	@$(TB)/check.sh

demo:
	@$(TB)/demo.sh

setup:
	@$(TB)/setup.sh

fetch: setup
	@$(TB)/fetch-base.sh

tree: setup
	@$(TB)/tree.sh

export:
	@$(TB)/export.sh

check-export:
	@$(TB)/check-export.sh

lint: checkpatch warnings bisect cross

checkpatch warnings bisect cross:
	@$(TB)/lint.sh $@

kunit: kunit-uml kunit-x86_64 kunit-arm64

kunit-uml:
	@$(TB)/kunit.sh uml

kunit-x86_64:
	@$(TB)/kunit.sh x86_64

kunit-arm64:
	@$(TB)/kunit.sh arm64

mutants:
	@$(TB)/mutants.sh

guest:
	@$(TB)/guest-test.sh

guest-arm64:
	@$(TB)/guest-test.sh arm64

guest-debug:
	@DEBUG=1 $(TB)/guest-test.sh

bench:
	@$(TB)/bench.sh

clean:
	rm -rf build/out build/guest build/results build/bisect build/check-export
