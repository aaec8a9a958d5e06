# The two commands a newcomer types: `make run` and `make test`. Everything else is CMake.
# Packages are installed only when missing, and `apt-get update` runs only then.

BUILD       ?= build
BUILD_TYPE  ?= Release
ASAN        ?= 0
JOBS        ?= $(shell nproc)
PORT        ?= 3478
TLS_PORT    ?= 5349
SUDO        := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

BUILD_PKGS  := g++ cmake ninja-build pkg-config make libevent-dev libssl-dev openssl \
               libhiredis-dev libsqlite3-dev libfmt-dev zlib1g-dev libidn-dev libgtest-dev libcli11-dev
TEST_PKGS   := redis-server coturn chromium nodejs npm clang libclang-rt-14-dev
CMAKE_FLAGS := -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(if $(filter 1,$(ASAN)),-DTERN_ASAN=ON)

.PHONY: all build run test deps test-deps format clean

all: build

# Installs the listed Debian packages that are not installed yet.
define ensure_packages
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
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

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# A self-signed certificate for the TLS listener, made once under build/.
$(BUILD)/tls/cert.pem:
	@mkdir -p $(BUILD)/tls
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 \
	  -subj "/CN=localhost" -keyout $(BUILD)/tls/key.pem -out $(BUILD)/tls/cert.pem 2>/dev/null

run: build $(BUILD)/tls/cert.pem
	@echo
	@echo "ternd on UDP+TCP $(PORT) and TLS $(TLS_PORT). Try it from another shell:"
	@echo "  turnutils_stunclient -p $(PORT) 127.0.0.1     (apt-get install coturn for the client)"
	@echo
	$(BUILD)/server/ternd --listening-port $(PORT) --tls-listening-port $(TLS_PORT) \
	  --cert $(BUILD)/tls/cert.pem --pkey $(BUILD)/tls/key.pem --realm tern.local

test: test-deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) -DTERN_TESTS=ON
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

format:
	clang-format -i $$(git ls-files '*.h' '*.cpp')

clean:
	rm -rf $(BUILD)
