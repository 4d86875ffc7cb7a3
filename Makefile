# telltale — build, test, install.  `make test` and `make demo` are the two
# commands a new machine needs; both install missing Debian packages first.

PREFIX ?= /usr/local
CC ?= cc
PKGS := lua5.4 libcurl libxml-2.0 libpq libetpan gnutls libmicrohttpd
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0)

# Lua's own warning set (its makefile) on top of -Wall -Wextra.
WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wwrite-strings -Wundef -Wno-unused-parameter
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARNINGS) $(CFLAGS) -iquote runner -iquote build \
              -DTELLTALE_VERSION='"$(VERSION)"' $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread

# SANITIZE=1 builds into build-asan/ with AddressSanitizer + UBSan;
# SANITIZE=thread into build-tsan/ with ThreadSanitizer (make tsan);
# SANITIZE=fuzz into build-fuzz/: the engine objects for libFuzzer
# harnesses (clang; make fuzz).
ifeq ($(SANITIZE),1)
BUILD := build-asan
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
BIN := $(BUILD)/telltale
else ifeq ($(SANITIZE),thread)
BUILD := build-tsan
ALL_CFLAGS += -fsanitize=thread -fno-omit-frame-pointer
LDFLAGS += -fsanitize=thread
BIN := $(BUILD)/telltale
else ifeq ($(SANITIZE),fuzz)
BUILD := build-fuzz
CC := clang
FUZZ_SAN := address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ALL_CFLAGS += -fsanitize=fuzzer-no-link,$(FUZZ_SAN)
LDFLAGS += -fsanitize=fuzzer,$(FUZZ_SAN) -Wno-unused-command-line-argument # pkg-config passes gcc -specs
BIN := $(BUILD)/telltale
else
BUILD := build
BIN := telltale
endif

SRCS := $(wildcard runner/*.c)
OBJS := $(SRCS:runner/%.c=$(BUILD)/%.o) $(BUILD)/embed.o
LUALIB := $(sort $(wildcard lib/*.lua))

# Debian packages: to build, to test, to run the demo.
DEPS_BUILD := gcc make pkg-config liblua5.4-dev libcurl4-gnutls-dev libxml2-dev libpq-dev libetpan-dev libgnutls28-dev libmicrohttpd-dev
DEPS_TEST := libcmocka-dev clang libclang-rt-14-dev nginx-light libxml2-utils curl python3 openssl postgresql pgbouncer \
             dovecot-imapd dovecot-lmtpd postfix python3-psycopg2 \
             prometheus prometheus-pushgateway prometheus-alertmanager python3-yaml chromium node-tap-parser \
             groff-base man-db tmux zsh
# Applications this project did not write, for tests/conformance.sh.
DEPS_CONF := python3-django roundcube-core roundcube-sqlite3 php-cli php-sqlite3 \
             wordpress php-mysql mariadb-server mariadb-client

.PHONY: all unit deps demo demo-down test bench install man lint format clean fuzzers fuzz fuzz-short tsan soak

all: $(BIN) unit

# Unit tests (cmocka) link against every engine object but main.o.
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%)
LIB_OBJS := $(filter-out $(BUILD)/main.o,$(OBJS))

unit: $(UNIT_BINS)

$(BUILD)/unit/%: tests/unit/%.c $(LIB_OBJS)
	@mkdir -p $(BUILD)/unit
	@echo "  TEST  $@"
	@$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes $(LDFLAGS) -o $@ $< $(LIB_OBJS) $(LIBS) $(shell pkg-config --libs cmocka)

# libFuzzer harnesses (tests/fuzz/fuzz_*.c) link the engine objects, built
# with SANITIZE=fuzz.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 60

fuzzers: $(FUZZ_BINS)

$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_OBJS)
	@mkdir -p $(BUILD)/fuzz
	@echo "  FUZZ  $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(filter %.o,$^) $(LIBS)

# A few seconds of each harness over its committed corpus (make test),
# or FUZZ_SECONDS of each (make fuzz).  Crashes land in build-fuzz/crashes/.
fuzz-short:
	$(MAKE) SANITIZE=fuzz fuzzers
	nice -n 19 bash tests/fuzz/run.sh build-fuzz/fuzz 5

fuzz:
	$(MAKE) SANITIZE=fuzz fuzzers
	nice -n 19 bash tests/fuzz/run.sh build-fuzz/fuzz $(FUZZ_SECONDS)

# ThreadSanitizer: build-tsan/telltale and its unit tests.
tsan:
	$(MAKE) SANITIZE=thread all

# The e2e mail, database and HTTP cases in one process, SOAK_RUNS times
# (make soak): any exit code but 0, or a signal, fails it.  make test runs
# its exit-race check and 4 runs, under ASan.
SOAK_RUNS ?= 1000
soak: all
	nice -n 19 bash tests/soak.sh ./telltale $(SOAK_RUNS)

$(BIN): $(OBJS)
	@echo "  LD    $@"
	@$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LIBS)

$(BUILD)/%.o: runner/%.c | $(BUILD)
	@echo "  CC    $<"
	@$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/embed.c: $(LUALIB) runner/embed.sh | $(BUILD)
	sh runner/embed.sh $@ $(LUALIB)

$(BUILD)/embed.o: $(BUILD)/embed.c
	@$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -c $< -o $@

$(BUILD):
	mkdir -p $@

-include $(wildcard $(BUILD)/*.d)

# Roundcube's package would otherwise set up a database of its own (the
# suite gives it one); the answer is only read when it is installed.
deps:
	@echo "roundcube-core roundcube/dbconfig-install boolean false" | debconf-set-selections 2>/dev/null || true
	@sh tests/lib/deps.sh $(DEPS_BUILD) $(DEPS_TEST) $(DEPS_CONF)

# The whole suite, twice: the normal build, then under ASan + UBSan.  Every
# driver runs (one failing does not stop the others), then tests/all.sh
# prints one total over all of them.
test: deps
	$(MAKE) all
	$(MAKE) SANITIZE=1 all
	bash tests/all.sh \
	  'bash tests/run.sh ./telltale build/unit' \
	  'bash tests/run.sh build-asan/telltale build-asan/unit' \
	  'bash tests/serve.sh ./telltale' \
	  'bash tests/serve.sh build-asan/telltale' \
	  'bash tests/oneshot.sh ./telltale' \
	  'bash tests/oneshot.sh build-asan/telltale' \
	  'bash tests/reports.sh ./telltale' \
	  'bash tests/reports.sh build-asan/telltale' \
	  'bash tests/alertmanager.sh ./telltale' \
	  'bash tests/alertmanager.sh build-asan/telltale' \
	  'bash tests/demo.sh ./telltale' \
	  'bash tests/conformance.sh ./telltale' \
	  'bash tests/conformance.sh build-asan/telltale' \
	  'bash tests/soak.sh build-asan/telltale 4' \
	  '$(MAKE) fuzz-short'

# The example scenarios against the demo app and its stack (left running;
# make demo-down stops it).
DEMO_DIR := /tmp/telltale-demo
demo: deps all
	@bash docker/demo/stack.sh up
	@echo
	@./telltale run -v --vars-file $(DEMO_DIR)/demo.env --junit $(DEMO_DIR)/junit.xml \
	  --json $(DEMO_DIR)/report.json --artifacts $(DEMO_DIR)/artifacts scenarios/; \
	rc=$$?; echo; \
	echo "reports: $(DEMO_DIR)/report.json, $(DEMO_DIR)/junit.xml; responses: $(DEMO_DIR)/artifacts/"; \
	echo "the stack keeps running; stop it with: make demo-down"; \
	echo "try an incident: curl -X POST '$$(sed -n 's/^BASE_URL=//p' $(DEMO_DIR)/demo.env)/admin/fault/smtp_blocked?state=on'," \
	  "then make demo again (faults: docker/demo/app/app.py; state=off to heal)"; exit $$rc

demo-down:
	@bash docker/demo/stack.sh down

bench: deps all
	bash tests/bench/run.sh

# The binary, its Lua library, the man page, the LuaLS definitions of the
# scenario API (an editor's workspace.library) and bash/zsh completion.
SHARE := $(DESTDIR)$(PREFIX)/share
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(SHARE)/telltale/lib $(SHARE)/telltale/lua $(SHARE)/man/man1 \
	  $(SHARE)/bash-completion/completions $(SHARE)/zsh/site-functions
	install -m 755 telltale $(DESTDIR)$(PREFIX)/bin/telltale
	install -m 644 $(LUALIB) $(SHARE)/telltale/lib/
	install -m 644 docs/telltale.lua $(SHARE)/telltale/lua/telltale.lua
	install -m 644 docs/telltale.1 $(SHARE)/man/man1/telltale.1
	install -m 644 docs/completion/telltale.bash $(SHARE)/bash-completion/completions/telltale
	install -m 644 docs/completion/_telltale $(SHARE)/zsh/site-functions/_telltale

# The man page is made from the binary's --help (docs/man.sh): after a
# change to the help, `make man` and commit docs/telltale.1 (tests/cli.sh
# fails while it is stale).
man: telltale
	sh docs/man.sh ./telltale > docs/telltale.1.tmp && mv docs/telltale.1.tmp docs/telltale.1

# Banned calls (as curl's checksrc): unbounded copies and friends.
lint:
	@! grep -nE '\b(strcpy|strcat|sprintf|vsprintf|strtok|atoi|gets|system)\s*\(' runner/*.c runner/*.h \
	  || (echo "lint: banned call above" && false)
	@clang-format --dry-run --Werror runner/*.c runner/*.h 2>/dev/null || (echo "lint: clang-format differences (make format)" && false)

format:
	clang-format -i runner/*.c runner/*.h

clean:
	rm -rf build build-asan build-tsan build-fuzz telltale
