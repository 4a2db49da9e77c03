# SPDX-License-Identifier: GPL-2.0
#
# minivisor's build, test and demo entry points.
#
#   make          minivisor.ko, userspace/mvctl and the selftests
#   make check    install what is missing, lint, build, and run every test
#                 suite in the emulated hosts (selftests/hosts.conf), on
#                 Debian's kernel and on the debug kernel
#   make check-all  the same, with the long variants hosts.conf marks
#                 "all" (what CI's time leaves out)
#   make debug-kernel  build the debug kernel (KASAN, lockdep, kmemleak),
#                 or find it cached (selftests/debug-kernel/build.sh)
#   make debug-module  minivisor.ko built against the debug kernel, in
#                 build/debug-module/, a test build (with delay points
#                 and the stale-mapping check)
#   make guest-kernel  build the small Linux that QEMU boots in the
#                 qemu_boot suite, or find it cached
#                 (selftests/qemu_guest/build.sh)
#   make delay-module  minivisor.ko built against Debian's kernel as a test
#                 build, with the delay points that tests use to hold race
#                 windows open (module/delay.h), in build/delay-module/
#   make demo     boot an emulated VT-x host and drive minivisor there
#   make bench    boot an emulated VT-x host and compare minivisor's path
#                 lengths and memory with KVM's; results in build/bench/
#   make lab      boot an emulated VT-x host and run the teaching lab
#                 (mvctl lab) there; the table and its chart in build/lab/
#   make soak     SOAK_HOURS (default 2) of both fuzzers in fresh boots of
#                 the emulated hosts, new seeds each, Debian's kernel and
#                 the debug kernel in turn; results in build/soak/
#   make deps     install the Debian packages all of the above need
#
# KDIR selects the kernel to build against: the running kernel's build tree
# when there is one, else the newest Debian linux-headers-*-amd64 tree,
# which is the kernel the emulated hosts boot.

KDIR ?= $(or $(wildcard /lib/modules/$(shell uname -r)/build),\
	$(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1))

BUILD := $(CURDIR)/build

# Debian's kernel source package, unpacked here only for what we need:
# the kselftest headers, checkpatch and the KVM API document.
LINUX_SOURCE_TAR := /usr/src/linux-source-6.1.tar.xz
LINUX_SOURCE := $(BUILD)/linux-source-6.1
LINUX_SOURCE_PARTS := \
	'linux-source-6.1/tools/testing/selftests/kselftest*' \
	linux-source-6.1/scripts/checkpatch.pl \
	linux-source-6.1/scripts/spelling.txt \
	linux-source-6.1/scripts/const_structs.checkpatch \
	linux-source-6.1/Documentation/virt/kvm/api.rst

DEBIAN_PACKAGES := \
	gcc make kmod bc bison flex libelf-dev xz-utils \
	linux-image-amd64 linux-headers-amd64 linux-source-6.1 sparse \
	libnl-3-dev libnl-genl-3-dev \
	bochs bochsbios vgabios qemu-system-x86 \
	busybox-static cpio xorriso isolinux syslinux-common

VM_ARGS := --module $(CURDIR)/minivisor.ko --mvctl $(CURDIR)/userspace/mvctl \
	--out $(BUILD)/vm

# The debug kernel's cache entry (a link into $MV_CACHE, by default
# /var/cache/minivisor) and minivisor built against it, from a copy of the
# sources so that the build in this directory stays Debian's.
DEBUG_KERNEL := $(BUILD)/debug-kernel
DEBUG_MODULE := $(BUILD)/debug-module
DELAY_MODULE := $(BUILD)/delay-module
GUEST_KERNEL := $(BUILD)/qemu-guest-vmlinuz

# copy_sources DIR: the module's sources, copied into DIR afresh.
copy_sources = rm -rf $(1) && mkdir -p $(1) && \
	cp --parents Kbuild $$(find module uapi -name '*.[chS]') $(1)/

.PHONY: all module userspace selftests linux-source deps lint check check-all demo bench lab \
	soak clean debug-kernel debug-module delay-module guest-kernel

all: module userspace selftests

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace

selftests: linux-source
	$(MAKE) -C selftests KSELFTEST_DIR=$(LINUX_SOURCE)/tools/testing/selftests \
		OUT=$(BUILD)/selftests

linux-source: $(LINUX_SOURCE)/.unpacked

$(LINUX_SOURCE)/.unpacked: $(LINUX_SOURCE_TAR)
	mkdir -p $(BUILD)
	tar -C $(BUILD) -xJf $< --wildcards $(LINUX_SOURCE_PARTS)
	touch $@

deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
			grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing" $$missing; \
		apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

# Kernel style, sparse and W=1, each clean or the check fails; the test
# build (delay points, mapping check) is built with W=1 and sparse too;
# and the layers' includes go one way (module/layers.sh).
lint: linux-source
	perl $(LINUX_SOURCE)/scripts/checkpatch.pl --no-tree --strict --quiet \
		-f \
		$$(find module uapi -name '*.[ch]' | sort)
	module/layers.sh module
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean >/dev/null
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 C=1 modules 2>&1 | tee $(BUILD)/lint.log
	$(call copy_sources,$(BUILD)/lint-test-build)
	$(MAKE) -C $(KDIR) M=$(BUILD)/lint-test-build MV_DELAY_POINTS=1 \
		MV_CHECK_MAPPINGS=1 W=1 C=1 modules 2>&1 | tee -a $(BUILD)/lint.log
	! grep -E 'warning:|error:' $(BUILD)/lint.log

debug-kernel:
	mkdir -p $(BUILD)
	selftests/debug-kernel/build.sh --link $(DEBUG_KERNEL)

debug-module: debug-kernel
	$(call copy_sources,$(DEBUG_MODULE))
	$(MAKE) -C $(DEBUG_KERNEL)/build M=$(DEBUG_MODULE) MV_DELAY_POINTS=1 \
		MV_CHECK_MAPPINGS=1 modules

guest-kernel:
	mkdir -p $(BUILD)
	vmlinuz=$$(selftests/qemu_guest/build.sh) && ln -sfn "$$vmlinuz" $(GUEST_KERNEL)

delay-module:
	$(call copy_sources,$(DELAY_MODULE))
	$(MAKE) -C $(KDIR) M=$(DELAY_MODULE) MV_DELAY_POINTS=1 modules

# check-all adds the hosts hosts.conf marks "all": long variants that do
# not fit in CI's time.
CHECK_SCOPE ?=

check: deps
	$(MAKE) lint
	$(MAKE) all
	$(MAKE) debug-module delay-module guest-kernel
	selftests/runner/run.sh $(CHECK_SCOPE) $(VM_ARGS) --tests $(BUILD)/selftests \
		--delay-module $(DELAY_MODULE)/minivisor.ko --guest-kernel $(GUEST_KERNEL) \
		--debug-kernel $(DEBUG_KERNEL) --debug-module $(DEBUG_MODULE)/minivisor.ko

check-all:
	$(MAKE) check CHECK_SCOPE=--all

demo: deps
	$(MAKE) all
	selftests/runner/run.sh --demo $(VM_ARGS)

# The benchmark also draws a chart; it builds only what its host boots.
BENCH_PACKAGES := gnuplot-nox

bench: deps
	$(MAKE) deps DEBIAN_PACKAGES="$(BENCH_PACKAGES)"
	$(MAKE) module userspace linux-source
	$(MAKE) -C selftests KSELFTEST_DIR=$(LINUX_SOURCE)/tools/testing/selftests \
		OUT=$(BUILD)/selftests bench
	selftests/runner/bench.sh --module $(CURDIR)/minivisor.ko \
		--mvctl $(CURDIR)/userspace/mvctl --tests $(BUILD)/selftests \
		--out $(BUILD)/bench

# The teaching lab (selftests/runner/lab.sh): mvctl lab in Bochs, with
# QEMU for its emulation model; the table and a chart in build/lab/.
lab: deps
	$(MAKE) deps DEBIAN_PACKAGES="$(BENCH_PACKAGES)"
	$(MAKE) module userspace
	selftests/runner/lab.sh --module $(CURDIR)/minivisor.ko \
		--mvctl $(CURDIR)/userspace/mvctl --out $(BUILD)/lab

# Not in CI: hours of fuzzing (selftests/runner/soak.sh says what a round is).
SOAK_HOURS ?= 2

soak: deps
	$(MAKE) all
	$(MAKE) debug-module
	selftests/runner/soak.sh --module $(CURDIR)/minivisor.ko \
		--mvctl $(CURDIR)/userspace/mvctl --tests $(BUILD)/selftests \
		--out $(BUILD)/soak --hours $(SOAK_HOURS) \
		--debug-kernel $(DEBUG_KERNEL) --debug-module $(DEBUG_MODULE)/minivisor.ko

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C userspace clean
	rm -rf $(BUILD)
