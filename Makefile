# dualstack -- the front door. Meson and ninja do the building; this file
# installs what the build needs and names the jobs.
#
#   make deps    install the Debian 12 packages the project needs
#   make         build (build/)
#   make check   build with ASan+UBSan (build-check/) and run every test
#   make demo    a short tour of what dualstack does
#   make bench   the benchmarks in bench/, with ratios to the anchor tools
#                (bench/happy.sh, bench/resolve.sh and bench/reach-flood.sh
#                need root: network namespaces)
#   make fuzz    run each fuzz target for FUZZ_SECONDS (default 300)
#   make install install binary, library, headers, pkg-config file, man pages

# What the build, the tests, the fuzzers and the benchmarks use. Keep in
# step with the Dependencies table in README.md.
PACKAGES = gcc make meson ninja-build pkg-config libcmocka-dev scdoc clang-format \
	iproute2 procps nftables redis-server redis-tools \
	libpcap-dev libc-ares-dev libjansson-dev tcpdump tshark python3-scapy radvd \
	clang libclang-rt-14-dev python3 nginx-light haproxy groff-base bsdextrautils \
	ssmping
# zlib: gzip-compressed captures (dissect -r, ra watch -r); libpcap reads
# none.
PACKAGES += zlib1g-dev
# The benchmarks' other anchors, which the tests do not need: Go's dialer
# and curl for the Happy Eyeballs comparison (golang-go alone is 200+ MB,
# kept out of every CI run), and iperf3 plus the relays dualstack proxy is
# measured against (6tunnel, socat, nginx's stream module; haproxy is a
# test peer already).
BENCH_PACKAGES = golang-go curl iperf3 6tunnel socat libnginx-mod-stream

BUILD ?= build
CHECK_BUILD ?= build-check
FUZZ_SECONDS ?= 300
# The short fuzz run inside 'make check', per target.
CHECK_FUZZ_SECONDS ?= 20
PREFIX ?= /usr/local

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps bench-deps install-packages build check demo bench fuzz \
	install clean

all: build

# Quick when everything is there: one dpkg-query, no network. On a fresh
# machine the package lists are empty, so update them first.
deps:
	@$(MAKE) -s install-packages P="$(PACKAGES)"

bench-deps: deps
	@$(MAKE) -s install-packages P="$(BENCH_PACKAGES)"

install-packages:
	@missing=$$(for p in $(P); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing:" $$missing; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $$missing; \
	fi

$(BUILD)/build.ninja:
	meson setup $(BUILD) --prefix=$(PREFIX)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

# Sanitizers on every test run; warnings are errors here.
$(CHECK_BUILD)/build.ninja:
	meson setup $(CHECK_BUILD) -Dwerror=true \
		-Db_sanitize=address,undefined -Db_lundef=false

check: deps $(CHECK_BUILD)/build.ninja
	ninja -C $(CHECK_BUILD)
	CHECK_FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS) tests/run.sh $(CHECK_BUILD)

demo: deps build
	@DUALSTACK=$(BUILD)/src/dualstack demo/run.sh

bench: bench-deps
	bench/addr.sh
	bench/serve.sh
	bench/dissect.sh
	bench/happy.sh
	bench/resolve.sh
	bench/proxy.sh
	bench/proxy-idle.sh
	bench/reach-flood.sh

fuzz: deps
	fuzz/run.sh $(FUZZ_SECONDS)

# The build directory is pointed at PREFIX first: meson reconfigures when
# it changed, so the prefix given is the one used, whatever the build was
# set up with. As root, ldconfig then refreshes the dynamic linker's cache
# (as a Debian package's postinst does), so programs linked against
# libdualstack.so find it in a prefix the linker searches.
install: build
	meson configure $(BUILD) -Dprefix=$(abspath $(PREFIX))
	meson install -C $(BUILD)
	@PREFIX='$(abspath $(PREFIX))' BUILD='$(BUILD)' sh doc/install-notes.sh

clean:
	rm -rf $(BUILD) $(CHECK_BUILD) build-fuzz build-bench
