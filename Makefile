# SPDX-License-Identifier: GPL-2.0
#
# nf_hairpin: the kernel module (module/, built by ./Kbuild), the hairpin
# command (tools/hairpin/), selftests (selftests/) and the QEMU test runner
# (tools/vm/).  `make help' lists the targets.

KVER ?= $(shell uname -r)
ifeq ($(origin KDIR),undefined)
  KDIR := $(wildcard /lib/modules/$(KVER)/build)
  ifeq ($(KDIR),)
    # The running kernel has no headers (or no module support at all):
    # take the newest installed kernel's build tree instead.
    KDIR := $(shell ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -n 1)
    ifneq ($(KDIR),)
      $(info nf_hairpin: no headers for the running kernel $(KVER); using $(KDIR))
    endif
  endif
endif
# Unless given, KVER is the release of the tree we build against.
ifeq ($(origin KVER),file)
  kdir_release := $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
		    $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
  ifneq ($(kdir_release),)
    KVER := $(kdir_release)
  endif
endif

VERSION := $(shell git -C $(CURDIR) describe --tags --dirty 2>/dev/null || \
	     echo "$$(cat $(CURDIR)/VERSION)$$(git -C $(CURDIR) rev-parse --short HEAD 2>/dev/null | sed 's/^/+g/')")
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man

KMAKE = $(MAKE) -C $(KDIR) M=$(CURDIR) NFHP_VERSION=$(VERSION)

.PHONY: all readme-fresh module module-debug cli install install-module install-cli \
	dkms-install deps check demo bench deb style sparse clean help

all: module cli

module:
	@test -n "$(KDIR)" || { echo "nf_hairpin: no kernel build tree; run 'make deps'" >&2; exit 1; }
	$(KMAKE) modules

module-debug:
	$(KMAKE) NFHP_DEBUG=y modules

cli:
	$(MAKE) -C tools/hairpin VERSION=$(VERSION)

install: install-module install-cli

install-module: module
	$(KMAKE) INSTALL_MOD_PATH=$(DESTDIR) INSTALL_MOD_DIR=updates modules_install
	$(if $(DESTDIR),depmod -b $(DESTDIR) $(KVER),depmod -a $(KVER))

install-cli: cli
	$(MAKE) -C tools/hairpin install DESTDIR=$(DESTDIR) BINDIR=$(BINDIR) MANDIR=$(MANDIR)

dkms-install:
	dkms add $(CURDIR)
	dkms build nf_hairpin/$$(cat VERSION)
	dkms install nf_hairpin/$$(cat VERSION)

deps:
	@scripts/deps.sh

check:
	@scripts/check.sh

demo:
	@scripts/demo.sh

# nf_hairpin beside nf_nat and plain routing in one VM boot (issue 12);
# BENCH_FIGS="1 2" etc. to run part of it.
bench:
	@tools/bench/run.sh

# Debian packages (dh, dh-dkms) into build/deb/.
deb:
	@scripts/deb.sh

# README's install commands in a fresh Debian 12 chroot (needs the archive).
readme-fresh:
	@scripts/readme_fresh.sh

# checkpatch from Debian's linux-source, as the kernel tree would run it.
style:
	@scripts/check.sh style

sparse:
	$(KMAKE) C=2 CF="-D__CHECK_ENDIAN__" modules

# DKMS runs this in the module's sources alone (no tools/).
clean:
	-$(KMAKE) clean 2>/dev/null
	if [ -d tools/hairpin ]; then $(MAKE) -C tools/hairpin clean; fi
	rm -rf build

help:
	@echo "make               build nf_hairpin.ko (KDIR=$(KDIR)) and the hairpin command"
	@echo "make check         install what is missing, then build, lint and test in QEMU"
	@echo "make readme-fresh  README's install commands in a fresh Debian 12 chroot"
	@echo "make demo          MikroTik's hairpin NAT example, in a VM"
	@echo "make bench         nf_hairpin vs nf_nat vs plain routing, pktgen, in a VM (ratios)"
	@echo "make deb           Debian packages nf-hairpin-dkms and nf-hairpin in build/deb/"
	@echo "make install       module to /lib/modules/KVER/updates, hairpin to $(BINDIR)"
	@echo "make dkms-install  register with DKMS, build and install"
	@echo "make deps          install build and test dependencies from Debian"
	@echo "make style         checkpatch.pl; make sparse: sparse (C=2)"
	@echo "make module-debug  module with -DDEBUG"
