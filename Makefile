# The two commands a newcomer types: `make run` and `make test`. Everything else is CMake.
# Packages are installed only when missing, and `apt-get update` runs only then.

# The CMakePresets.json preset the targets build with: asan with ASAN=1, tsan with TSAN=1,
# debug with BUILD_TYPE=Debug, release otherwise (make fuzz: fuzz). BUILD defaults to the
# preset's directory (build/, build-<preset>/); another BUILD= builds the same preset there.
# BUILD_TYPE= overrides the preset's build type.
BUILD_TYPE  ?=
ASAN        ?= 0
TSAN        ?= 0
PRESET      ?= $(if $(filter 1,$(ASAN)),asan,$(if $(filter 1,$(TSAN)),tsan,$(if $(filter Debug,$(BUILD_TYPE)),debug,release)))
PRESET_DIR   = $(if $(filter release,$(PRESET)),build,build-$(PRESET))
BUILD       ?= $(PRESET_DIR)
JOBS        ?= $(shell nproc)
PORT        ?= 3478
TLS_PORT    ?= 5349
ADMIN_PORT  ?= 5767
# make run: the address printed in the iceServers entry (default: the first non-loopback
# IPv4 address), and LOOPBACK_PEERS=1 to relay to peers on 127.0.0.1 (testing only).
HOST        ?=
LOOPBACK_PEERS ?= 0
# Expanded only where used, so targets other than run never call hostname.
RUN_HOST     = $(or $(HOST),$(shell hostname -I 2>/dev/null | tr ' ' '\n' | \
                 grep -m1 -E '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$$'),127.0.0.1)
# The certificate names the printed host: an IP address (v4 or v6) or a DNS name.
RUN_HOST_SAN = $(if $(shell printf '%s' '$(RUN_HOST)' | grep -E '^[0-9.]+$$|:'),IP,DNS):$(RUN_HOST)
SUDO        := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

BUILD_PKGS  := g++ cmake ninja-build pkg-config make libevent-dev libssl-dev openssl \
               libhiredis-dev libsqlite3-dev libfmt-dev zlib1g-dev libidn-dev libgtest-dev libcli11-dev \
               libsystemd-dev clang libbpf-dev bpftool
# clang, libbpf-dev, bpftool: the kernel fast path (--offload; compiled out without them).
# redis-server: Redis store tests; redis-sentinel: the Sentinel failover tests; coturn:
# turnutils_* interop and example tests; chromium, nodejs, npm: browser interop, the Node
# example and the web console's charts (uPlot; without npm ternd builds without them); clang,
# libclang-rt-14-dev: fuzzers;
# python3: example tests and fuzz corpus; dpkg-dev, file: the .deb test (dpkg-shlibdeps);
# groff-base: the man page test; haproxy: the PROXY protocol tests' balancer; iproute2: the
# redirect test's network namespace; stun-client: the RFC 5780 test's RFC 3489 client;
# ethtool: the veth testbed's smoke test (GRO on, checksum offload off).
TEST_PKGS   := redis-server redis-sentinel coturn chromium nodejs npm clang libclang-rt-14-dev python3 openssl \
               dpkg-dev file groff-base haproxy iproute2 stun-client ethtool
DEB_PKGS    := dpkg-dev file
ifeq ($(ASAN)$(TSAN),11)
  $(error ASAN=1 and TSAN=1 cannot share a build: their runtimes cannot share a process)
endif
# The preset's configure, build and test steps, pointed at BUILD when it is not the preset's
# own directory (build presets cannot be, so that build names the directory instead).
OTHER_DIR    = $(filter-out $(abspath $(PRESET_DIR)),$(abspath $(BUILD)))
CONFIGURE    = cmake --preset $(PRESET) $(if $(OTHER_DIR),-B $(BUILD)) \
               $(if $(BUILD_TYPE),-DCMAKE_BUILD_TYPE=$(BUILD_TYPE))
CMAKE_BUILD  = cmake --build $(if $(OTHER_DIR),$(BUILD),--preset $(PRESET)) -j $(JOBS)
CTEST        = ctest --preset $(PRESET) $(if $(OTHER_DIR),--test-dir $(BUILD)) -j $(JOBS)

# make run's demo account, in the embedded sqlite store.
REALM       := tern.local
DEMO_USER   := demo
DEMO_DB     := $(BUILD)/tern.db
DEMO_JSON   := $(BUILD)/demo-credential.json
TERNCTL     := $(BUILD)/admin/ternctl
# ternctl's --server, needed only when make run's admin port is not ternctl's default.
ADMIN_SERVER = $(if $(filter-out 5767,$(ADMIN_PORT)), --server 127.0.0.1:$(ADMIN_PORT))

# make fuzz: seconds each libFuzzer target runs.
SECONDS     ?= 60

.PHONY: all build binaries run demo-user test fuzz deps test-deps deb bench bench-fleet stress format clean FORCE

all: build

# Installs the listed Debian packages that are not installed yet. A command of the same
# name counts as installed: nodesource's nodejs provides npm without the npm package, and
# Debian's npm conflicts with it.
define ensure_packages
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || \
	    command -v $$p >/dev/null || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

deps:
	$(call ensure_packages,$(BUILD_PKGS))

test-deps: deps
	$(call ensure_packages,$(TEST_PKGS))

$(BUILD)/CMakeCache.txt: | deps
	$(CONFIGURE)

build: deps $(BUILD)/CMakeCache.txt
	$(CMAKE_BUILD)

# Only what make run needs, so a first run does not wait for the tests to compile.
binaries: deps $(BUILD)/CMakeCache.txt
	$(CMAKE_BUILD) --target ternd ternctl

# The host make run prints, kept in a file that changes only when the host does, so the
# certificate is made again exactly then.
$(BUILD)/tls/host: FORCE
	@mkdir -p $(@D)
	@echo '$(RUN_HOST)' | cmp -s - $@ || echo '$(RUN_HOST)' > $@

# A self-signed certificate for the TLS listener, under build/, whose subjectAltName is the
# printed host (clients check the name against it, not against the CN).
$(BUILD)/tls/cert.pem: $(BUILD)/tls/host
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 \
	  -subj "/CN=$(RUN_HOST)" -addext "subjectAltName=$(RUN_HOST_SAN)" \
	  -keyout $(BUILD)/tls/key.pem -out $(BUILD)/tls/cert.pem 2>/dev/null

# The demo user, with a random password made the first time and kept in $(DEMO_JSON), so
# every run prints the same credential; put back into the store if the store was deleted.
demo-user: binaries
	@set -e; \
	if [ ! -s $(DEMO_JSON) ]; then \
	  $(TERNCTL) user delete $(DEMO_USER) --realm $(REALM) --userdb $(DEMO_DB) >/dev/null 2>&1 || true; \
	  $(TERNCTL) user add $(DEMO_USER) --realm $(REALM) --userdb $(DEMO_DB) --json > $(DEMO_JSON).new; \
	  mv $(DEMO_JSON).new $(DEMO_JSON); \
	  echo "demo user $(DEMO_USER) created in $(DEMO_DB); its password is kept in $(DEMO_JSON)"; \
	elif ! $(TERNCTL) user list --realm $(REALM) --userdb $(DEMO_DB) --json 2>/dev/null | \
	      grep -q '"name":"$(DEMO_USER)"'; then \
	  $(TERNCTL) user add $(DEMO_USER) --realm $(REALM) --userdb $(DEMO_DB) \
	    --password "$$(sed -n 's/.*"password":"\([^"]*\)".*/\1/p' $(DEMO_JSON))" >/dev/null; \
	fi

# Prints what to paste and what to try, then runs ternd in the foreground (Ctrl-C stops it).
run: binaries $(BUILD)/tls/cert.pem demo-user
	@host='$(RUN_HOST)'; \
	pass=$$(sed -n 's/.*"password":"\([^"]*\)".*/\1/p' $(DEMO_JSON)); \
	echo; \
	echo "ternd: UDP+TCP $(PORT) and TLS $(TLS_PORT) on every address, realm $(REALM)."; \
	echo "User $(DEMO_USER), password $$pass (kept in $(DEMO_JSON); store $(DEMO_DB))."; \
	echo; \
	echo "WebRTC: new RTCPeerConnection({ iceServers: [ ...this entry... ] })"; \
	echo "  {"; \
	echo "    urls: ['turn:$$host:$(PORT)?transport=udp', 'turn:$$host:$(PORT)?transport=tcp',"; \
	echo "           'turns:$$host:$(TLS_PORT)?transport=tcp'],"; \
	echo "    username: '$(DEMO_USER)',"; \
	echo "    credential: '$$pass'"; \
	echo "  }"; \
	echo "  (turns: uses the self-signed build/tls/cert.pem, which browsers do not trust;"; \
	echo "   give ternd a real certificate with --cert/--pkey for that one.)"; \
	echo; \
	echo "From another shell (apt-get install coturn for the turnutils):"; \
	echo "  turnutils_stunclient -p $(PORT) $$host"; \
	echo "  turnutils_peer -L 127.0.0.1 -p 3480 &"; \
	echo "  turnutils_uclient -u $(DEMO_USER) -w '$$pass' -p $(PORT) -e 127.0.0.1 -r 3480 -n 10 127.0.0.1"; \
	if [ "$(LOOPBACK_PEERS)" = 1 ]; then \
	  echo "  (the peer is on loopback: allowed because of LOOPBACK_PEERS=1)"; \
	else \
	  echo "  (the uclient line needs 'make run LOOPBACK_PEERS=1': ternd refuses to relay to"; \
	  echo "   loopback peers unless asked, and answers 403 Forbidden)"; \
	fi; \
	token=$(BUILD)/admin-token; \
	if [ -d /run/tern ] && [ -w /run/tern ]; then token=/run/tern/admin-token; fi; \
	echo; \
	echo "Live sessions and counters, through the admin API on 127.0.0.1:$(ADMIN_PORT) with the token"; \
	echo "ternd makes up and writes to $$token (ternctl looks beside --userdb):"; \
	echo "  $(TERNCTL) sessions --userdb $(DEMO_DB)$(ADMIN_SERVER)"; \
	echo "  $(TERNCTL) stats --userdb $(DEMO_DB)$(ADMIN_SERVER)"; \
	echo
	$(BUILD)/server/ternd --listening-port $(PORT) --tls-listening-port $(TLS_PORT) \
	  --cert $(BUILD)/tls/cert.pem --pkey $(BUILD)/tls/key.pem \
	  --admin-listen 127.0.0.1:$(ADMIN_PORT) \
	  --realm $(REALM) --userdb $(DEMO_DB) $(if $(filter 1,$(LOOPBACK_PEERS)),--allow-loopback-peers)

# An ASan build's tests leave each sanitizer report in $(BUILD)/sanitizer-reports/
# (tests/CMakeLists.txt): emptied first, and a report there fails the run even when every
# test passed.
test: test-deps
	$(CONFIGURE) -DTERN_TESTS=ON
	$(CMAKE_BUILD)
	@rm -rf $(BUILD)/sanitizer-reports
	@$(CTEST); status=$$?; \
	reports=$$(find $(BUILD)/sanitizer-reports -type f 2>/dev/null | sort); \
	if [ -n "$$reports" ]; then echo "sanitizer reports:"; echo "$$reports" | sed 's|^|  |'; \
	  exit 1; fi; exit $$status

# Every libFuzzer target for SECONDS each (make test runs them for a few seconds), built by
# the fuzz preset (clang) in build-fuzz/; a crash's input is left in
# build-fuzz/tests/fuzz/fuzz-work/crashes/<target>/, to be added to
# tests/fuzz/corpus/<target>/ once fixed.
fuzz: PRESET = fuzz
fuzz: test-deps
	$(CONFIGURE) -DTERN_FUZZ_SECONDS=$(SECONDS) >/dev/null
	$(CMAKE_BUILD)
	@rm -rf $(BUILD)/tests/fuzz/fuzz-work/crashes
	@$(CTEST); status=$$?; \
	crashes=$$(cd $(BUILD) && find tests/fuzz/fuzz-work/crashes -type f 2>/dev/null); \
	if [ -n "$$crashes" ]; then echo "inputs that crashed a fuzzer:"; echo "$$crashes" | sed 's|^|  $(BUILD)/|'; \
	else echo "no crash in $(SECONDS) s per target"; fi; exit $$status

# tern vs coturn vs the kernel floor on this machine (not in CI); QUICK=1 for a short run;
# TESTBED=1 runs the veth testbed of three network namespaces instead (root).
# BUILD_TYPE=RelWithDebInfo measures that build type in build/.
bench: deps
	$(CONFIGURE) >/dev/null
	$(CMAKE_BUILD) --target ternd tern-bench tern-bench-floor
	python3 bench/run_bench.py --no-build --build-dir $(BUILD) $(if $(filter 1,$(QUICK)),--quick) \
	  $(if $(filter 1,$(TESTBED)),--testbed)

# The fleet scenario (not in CI): six ternd nodes on one Redis hold 100,000 allocations
# (NODES=, ALLOCATIONS= to change), each refreshed once, counted by ternctl fleet.
bench-fleet: deps
	$(CONFIGURE) >/dev/null
	$(CMAKE_BUILD) --target ternd ternctl tern-bench
	python3 bench/fleet_bench.py --build-dir $(BUILD) --json $(BUILD)/bench/fleet.json \
	  $(if $(NODES),--nodes $(NODES)) $(if $(ALLOCATIONS),--allocations $(ALLOCATIONS))

# A soak (not in CI): tern-bench relays over UDP, TCP and TLS while spoofed floods,
# dripping, silent and idle streams and password guessing hit the same ternd; prints RSS,
# fds, delivery and each attack's outcome. DURATION=SECONDS (default 600); on an ASan
# build (make stress ASAN=1, in build-asan/) it also counts sanitizer reports.
stress: build
	python3 bench/stress.py --build-dir $(BUILD) $(if $(DURATION),--seconds $(DURATION))

# The Debian package (ternd, ternctl, systemd unit, config, logrotate, man pages, docs) in
# $(BUILD)/packages/.
deb: build
	$(call ensure_packages,$(DEB_PKGS))
	cd $(BUILD) && cpack -G DEB
	@ls -1 $(BUILD)/packages/*.deb

format:
	clang-format -i $$(git ls-files '*.h' '*.cpp')

clean:
	rm -rf $(BUILD)

FORCE:
