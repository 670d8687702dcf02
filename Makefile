# cratesec - one hand-written GNU Makefile.  Everything is built out of tree
# into $(B) (default build/); `make check` builds a second tree under
# build/sanitize with ASan+UBSan and runs the whole test suite there.
#
#   make            library, CLI, tools and manual pages (make man: only those)
#   make test       every test: the fast tier and the integration tier (tests/run.sh)
#   make test-fast  the fast tier: unit and CLI tests on fixtures, corpus replay (< 2 min)
#   make check      the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make fuzz       every fuzz target under libFuzzer (FUZZ_SECONDS each, default 600)
#   make bench      benchmarks with medians and baselines (bench/run.sh)
#   make soak       load and fault tests, nginx in front (tests/soak, deploy/README.md)
#   make screenshots the README's screenshots of the Security tab (docs/screenshots)
#   make install    PREFIX=/usr/local: library, header, pkg-config file, CLI, man pages
#   make format / lint / headertest

B        ?= build
CC       ?= cc
PREFIX   ?= /usr/local
WERROR   ?=
OPT      ?= -O2 -g
SAN      ?=
PKGS     := libcurl
# libgit2 is linked only into the git plugin, libcratesec-git.so (lib/git/
# plugin.h), which lib/git.c loads the first time git is needed.
GIT_PKGS := libgit2
# The server (linked into the cratesec-server executable only, not into
# cratesec or libcratesec).
SERVER_PKGS := libmicrohttpd libcmark-gfm
SERVER_PKGS += zlib

# The server's persistent state (state/): audit reports, watch lists and the
# webhook queue in SQLite or PostgreSQL, SHA-256 and HMAC from libcrypto;
# linked into cratesec-server only.
STATE_PKGS := sqlite3 libpq libcrypto

WARN     := -Wall -Wextra -pedantic -Wstrict-prototypes -Wshadow -Wmissing-prototypes \
            -Wno-unused-parameter
CFLAGS   ?=
CPPFLAGS += -Iinclude -Ilib -D_GNU_SOURCE -DCSEC_SOURCE_DIR='"$(CURDIR)"'
ALL_CFLAGS = -std=c11 $(OPT) $(WARN) $(WERROR) $(SAN) $(VISIBILITY) -fPIC -MMD -MP $(CFLAGS) \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread

LIB_SRC   := $(sort $(wildcard lib/*.c))
# `serve` is its own executable, cratesec-server, which `cratesec serve` execs,
# so that the other commands start without loading the server's libraries
# (cli/cli.h).  It shares the option parser (opt.c) with cratesec.
SERVE_SRC := cli/cmd_serve.c cli/cmd_watch.c cli/server_main.c
CLI_SRC   := $(filter-out $(SERVE_SRC),$(sort $(wildcard cli/*.c)))
SERVER_SRC := $(sort $(wildcard server/*.c))
STATE_SRC := $(sort $(wildcard state/*.c))
STATE_MIGRATIONS := $(sort $(wildcard state/migrations/*.sql))
TEST_SRC  := $(sort $(wildcard tests/unit/*.c))
FUZZ_SRC  := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_NAMES := $(patsubst fuzz/fuzz_%.c,%,$(FUZZ_SRC))

LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o)
GIT_OBJ  := $(patsubst %.c,$(B)/%.o,$(sort $(wildcard lib/git/*.c)))
CLI_OBJ  := $(CLI_SRC:%.c=$(B)/%.o)
SERVE_OBJ := $(SERVE_SRC:%.c=$(B)/%.o) $(B)/cli/opt.o $(SERVER_SRC:%.c=$(B)/%.o)
# The JSON API's OpenAPI document, compiled in as a byte array (server/api.h).
SERVE_OBJ += $(B)/server/openapi_json.o
STATE_OBJ := $(STATE_SRC:%.c=$(B)/%.o) $(B)/state/migrations.o
SERVE_OBJ += $(STATE_OBJ)
STATE_LIBS = $(shell pkg-config --libs $(STATE_PKGS) 2>/dev/null)
TEST_OBJ := $(TEST_SRC:%.c=$(B)/%.o)

# The library's surface is include/cratesec.h: its objects are compiled with
# hidden visibility, and only the declarations marked CSEC_API are exported.
#   libcratesec.so, libcratesec.a   the installed library: the header's API only
#                                   (the archive is one object whose other
#                                   symbols are made local)
#   libcratesec-internal.a          every object with its csec__* symbols: what
#                                   cli/, server/, tools/, tests, fuzz and bench
#                                   link; never installed
# tests/cli/symbols.sh checks that both installed libraries export exactly the
# functions the header declares.
$(LIB_OBJ): VISIBILITY := -fvisibility=hidden
INTERNAL := $(B)/libcratesec-internal.a

.PHONY: all man fixtures test test-fast check fuzz fuzz-replay bench soak screenshots install format lint headertest clean

all: $(B)/libcratesec.a $(B)/libcratesec.so $(INTERNAL) $(B)/libcratesec-git.so $(B)/cratesec \
     $(B)/cratesec-server $(B)/toml-decode $(B)/cratesec.pc $(B)/man/cratesec.1

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(INTERNAL): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libcratesec.a: $(LIB_OBJ)
	@rm -f $@ $(B)/libcratesec-api.o
	$(LD) -r -o $(B)/libcratesec-api.o $^
	objcopy --localize-hidden $(B)/libcratesec-api.o
	ar rcs $@ $(B)/libcratesec-api.o

$(B)/libcratesec.so: $(LIB_OBJ)
	$(CC) -shared $(SAN) -Wl,-soname,libcratesec.so.0 -o $@ $^ $(LDLIBS)

# The helpers the plugin calls (buffers, diagnostics...) come from the
# internal archive, linked in; -Bsymbolic keeps its calls on those;
# -z defs: a helper it lacks is a link error here, not a dlopen failure.
$(B)/libcratesec-git.so: $(GIT_OBJ) $(INTERNAL)
	$(CC) -shared $(SAN) -Wl,-Bsymbolic -Wl,-z,defs -o $@ $(GIT_OBJ) $(INTERNAL) \
	  $(shell pkg-config --libs $(GIT_PKGS) 2>/dev/null) -lpthread

$(B)/lib/git/%.o: CFLAGS += $(shell pkg-config --cflags $(GIT_PKGS) 2>/dev/null)

$(B)/server/%.o: CFLAGS += $(shell pkg-config --cflags $(SERVER_PKGS) 2>/dev/null)
$(B)/server/%.o: CPPFLAGS += -Istate
$(B)/cli/%.o: CPPFLAGS += -Iserver -Istate
$(B)/state/%.o: CFLAGS += $(shell pkg-config --cflags $(STATE_PKGS) 2>/dev/null)

# The schema migrations, compiled in (state/store.c applies them).
$(B)/state/migrations.c: tools/embed_migrations.sh $(STATE_MIGRATIONS)
	@mkdir -p $(dir $@)
	@sh tools/embed_migrations.sh $@ $(STATE_MIGRATIONS)

$(B)/state/migrations.o: $(B)/state/migrations.c
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -Wno-missing-prototypes -c $< -o $@

$(B)/server/openapi_json.c: server/openapi.json
	@mkdir -p $(dir $@)
	@{ echo 'const unsigned char srv_openapi_json[] = {'; \
	  od -An -v -tx1 $< | sed 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '};'; echo 'const unsigned long srv_openapi_json_len = sizeof srv_openapi_json;'; \
	} > $@.tmp && mv $@.tmp $@

$(B)/server/openapi_json.o: $(B)/server/openapi_json.c
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

# --as-needed: libcurl is used only by the sparse index (lib/index_sparse.o),
# which no command of cratesec pulls out of the archive; it is not loaded.
$(B)/cratesec: $(CLI_OBJ) $(INTERNAL) | $(B)/libcratesec-git.so
	$(CC) $(SAN) -Wl,--as-needed -o $@ $(CLI_OBJ) $(INTERNAL) $(LDLIBS)

$(B)/cratesec-server: $(SERVE_OBJ) $(INTERNAL) | $(B)/libcratesec-git.so
	$(CC) $(SAN) -o $@ $(SERVE_OBJ) $(INTERNAL) $(LDLIBS) \
	  $(shell pkg-config --libs $(SERVER_PKGS) 2>/dev/null) -lcmark-gfm-extensions $(STATE_LIBS)

# Manual pages: cratesec.1 from man/cratesec.1.in, one cratesec-CMD.1 per
# command from its --help (scripts/genman.py; cratesec.1 is written last).
man: $(B)/man/cratesec.1

$(B)/man/cratesec.1: $(B)/cratesec $(B)/cratesec-server scripts/genman.py man/cratesec.1.in
	python3 scripts/genman.py $(B)/cratesec man/cratesec.1.in $(B)/man

$(B)/toml-decode: $(B)/tools/toml-decode.o $(INTERNAL)
	$(CC) $(SAN) -o $@ $< $(INTERNAL) $(LDLIBS)

# Test registration: every TEST(module, name) in tests/unit/*.c is collected
# into one list, so adding a test never means editing a shared file.
$(B)/tests/list.h: $(TEST_SRC)
	@mkdir -p $(dir $@)
	@grep -ho '^TEST([a-z0-9_]*, *[a-z0-9_]*)' $(TEST_SRC) | \
	  sed 's/TEST(\([a-z0-9_]*\), *\([a-z0-9_]*\))/X(\1, \2)/' > $@.tmp && mv $@.tmp $@

$(B)/tests/unit/main.o: $(B)/tests/list.h
$(B)/tests/unit/main.o: CPPFLAGS += -I$(B)/tests

# The server's own modules (tests/unit/test_server_*.c) are tested without
# its HTTP layer, from libcratesec-server.a as the fuzz targets use it.
$(B)/tests/unit/%.o: CPPFLAGS += -Iserver
$(B)/unit-tests: $(TEST_OBJ) $(B)/libcratesec-server.a $(INTERNAL) | $(B)/libcratesec-git.so
	$(CC) $(SAN) -o $@ $(TEST_OBJ) $(B)/libcratesec-server.a $(INTERNAL) $(LDLIBS) \
	  $(SERVER_CORE_LIBS)

# The state layer against real databases (tests/cli/state.sh runs it on
# SQLite and PostgreSQL).
$(B)/state-tests: tests/state/state_tests.c $(STATE_OBJ) $(INTERNAL)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Istate $(ALL_CFLAGS) -o $@ $< $(STATE_OBJ) $(INTERNAL) $(LDLIBS) \
	  $(STATE_LIBS)

# What a sync costs 100,000 watches (bench/run.sh runs it).
$(B)/bench-watch-eval: bench/watch_eval.c $(STATE_OBJ) $(INTERNAL)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Istate $(ALL_CFLAGS) -o $@ $< $(STATE_OBJ) $(INTERNAL) $(LDLIBS) \
	  $(STATE_LIBS)

# The fuzz targets of the server's request handling link the server without
# its HTTP layer (http.c, libmicrohttpd): fuzz/server_harness.c stands in.
FUZZ_SERVER_NAMES := route query apibody markdown form
SERVER_CORE_OBJ = $(filter-out $(B)/server/http.o,$(SERVER_SRC:%.c=$(B)/%.o)) \
                  $(B)/server/openapi_json.o $(STATE_OBJ)
SERVER_CORE_LIBS := $(shell pkg-config --libs libcmark-gfm zlib $(STATE_PKGS) 2>/dev/null) \
                    -lcmark-gfm-extensions

$(B)/libcratesec-server.a: $(SERVER_CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

# FUZZ_WITH / FUZZ_WITH_LIBS: what a target links besides libcratesec.
$(FUZZ_SERVER_NAMES:%=$(B)/fuzz/replay-%): fuzz/server_harness.c $(B)/libcratesec-server.a
$(FUZZ_SERVER_NAMES:%=$(B)/fuzz/replay-%): FUZZ_WITH = -Iserver -Istate fuzz/server_harness.c \
  $(B)/libcratesec-server.a
$(FUZZ_SERVER_NAMES:%=$(B)/fuzz/replay-%): FUZZ_WITH_LIBS = $(SERVER_CORE_LIBS)

# Replays every fuzz corpus through the fuzz entry points with a plain main().
$(B)/fuzz/replay-%: fuzz/fuzz_%.c fuzz/standalone.c $(INTERNAL)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ fuzz/fuzz_$*.c fuzz/standalone.c $(FUZZ_WITH) \
	  $(INTERNAL) $(LDLIBS) $(FUZZ_WITH_LIBS)

# The fixture advisory databases of the suites and fuzz replays, written by
# tests/data/make-db.py (our own made-up advisories; real data stays in
# ../shared/data): the suites' one, the one beside lib/deps.c's fixture
# index (tests/data/index-deps), and the OSV export's golden one
# (tests/golden/db).  The records the OSV export must write for that one
# (tests/golden/osv, times from tests/golden/modified.txt) and its per-crate
# arrays (tests/golden/packages, --no-git times) are written by the
# independent reference (tests/conformance/osv_reference.py, from the spec
# alone), so test_osv checks the C export against a second implementation.
FIXTURE_DB := tests/data/db/crates tests/data/index-deps/db/crates tests/golden/db/crates \
  tests/golden/osv/.written
tests/data/db/crates: tests/data/make-db.py
	python3 tests/data/make-db.py tests/data/db
tests/data/index-deps/db/crates: tests/data/make-db.py
	python3 tests/data/make-db.py tests/data/index-deps/db index-deps
tests/golden/db/crates: tests/data/make-db.py
	python3 tests/data/make-db.py tests/golden/db golden
tests/golden/osv/.written: tests/golden/db/crates tests/golden/modified.txt \
  tests/conformance/osv_reference.py
	rm -rf tests/golden/osv.tmp tests/golden/nogit.tmp tests/golden/osv tests/golden/packages
	python3 tests/conformance/osv_reference.py tests/golden/db tests/golden/osv.tmp \
	  --times tests/golden/modified.txt
	python3 tests/conformance/osv_reference.py tests/golden/db tests/golden/nogit.tmp \
	  --times /dev/null --packages
	mv tests/golden/nogit.tmp/packages tests/golden/packages && rm -rf tests/golden/nogit.tmp
	touch tests/golden/osv.tmp/.written && mv tests/golden/osv.tmp tests/golden/osv
fixtures: $(FIXTURE_DB)

fuzz-replay: $(FUZZ_NAMES:%=$(B)/fuzz/replay-%) $(FIXTURE_DB)
	@for t in $(FUZZ_NAMES); do \
	  $(B)/fuzz/replay-$$t fuzz/corpora/$$t || exit 1; done

test: all $(B)/unit-tests $(B)/state-tests fuzz-replay $(FIXTURE_DB)
	@bash tests/run.sh $(B) all

test-fast: all $(B)/unit-tests fuzz-replay $(FIXTURE_DB)
	@bash tests/run.sh $(B) fast

# The browser suite is left out here: chromium drives pages whose server code
# (the page handlers) the api, server, feeds and hostile suites run under the
# sanitizers already, and it alone took as long as the rest of `make check`
# (./test's time is in the README).
check:
	TEST_SKIP="$(TEST_SKIP) browser" $(MAKE) B=build/sanitize OPT='-O1 -g -fno-omit-frame-pointer' \
	  SAN='-fsanitize=address,undefined -fno-sanitize-recover=all' test

# libFuzzer needs clang.  Each target runs FUZZ_SECONDS (default 600) on its
# corpus; `make -j2 fuzz` runs two at a time.  New inputs go to build/fuzz/work.
FUZZ_SECONDS ?= 600
FUZZ_CC ?= clang
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

ifneq ($(B),build/fuzz)
build/fuzz/libcratesec-internal.a: $(LIB_SRC)
	$(MAKE) B=build/fuzz CC=$(FUZZ_CC) OPT='-O1 -g' \
	  SAN='-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all' \
	  build/fuzz/libcratesec-internal.a
endif

ifneq ($(B),build/fuzz)
build/fuzz/libcratesec-server.a: $(SERVER_SRC) $(STATE_SRC) $(STATE_MIGRATIONS) server/openapi.json
	$(MAKE) B=build/fuzz CC=$(FUZZ_CC) OPT='-O1 -g' \
	  SAN='-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all' \
	  build/fuzz/libcratesec-server.a
endif

$(FUZZ_SERVER_NAMES:%=build/fuzz/bin/%): fuzz/server_harness.c build/fuzz/libcratesec-server.a
$(FUZZ_SERVER_NAMES:%=build/fuzz/bin/%): FUZZ_WITH = -Iserver -Istate fuzz/server_harness.c \
  build/fuzz/libcratesec-server.a
$(FUZZ_SERVER_NAMES:%=build/fuzz/bin/%): FUZZ_WITH_LIBS = $(SERVER_CORE_LIBS)

build/fuzz/bin/%: fuzz/fuzz_%.c build/fuzz/libcratesec-internal.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_WITH) build/fuzz/libcratesec-internal.a \
	  $(LDLIBS) $(FUZZ_WITH_LIBS)

fuzz-run-%: build/fuzz/bin/% $(FIXTURE_DB)
	@mkdir -p build/fuzz/work/$*
	@echo "fuzz: $* for $(FUZZ_SECONDS)s"
	@build/fuzz/bin/$* $(if $(wildcard fuzz/$*.dict),-dict=fuzz/$*.dict) \
	  -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -close_fd_mask=3 \
	  -artifact_prefix=build/fuzz/work/$*- build/fuzz/work/$* fuzz/corpora/$* \
	  > build/fuzz/work/$*.log 2>&1 || { tail -40 build/fuzz/work/$*.log; exit 1; }
	@grep -E "stat::number_of_executed_(runs|units)|stat::peak_rss_mb" build/fuzz/work/$*.log | \
	  sed 's/^/fuzz: $*: /'

fuzz: $(FUZZ_NAMES:%=fuzz-run-%)

bench: all $(B)/bench-watch-eval
	@bash bench/run.sh $(B)

# Load, fault and freshness tests (tests/soak/run.sh): about 8 x SOAK_SECONDS
# (default 60) plus two minutes; figures in $(B)/soak/summary.txt.
SOAK_SECONDS ?= 60
soak: all $(FIXTURE_DB)
	@SOAK_SECONDS=$(SOAK_SECONDS) bash tests/soak/run.sh $(B)

# The README's screenshots (docs/screenshots): the real data and chromium,
# as the browser tests use them.
screenshots: all
	@bash scripts/screenshots.sh $(B)

# The pkg-config file names PREFIX, so `make install` writes it afresh for the
# PREFIX it installs to (the copy in $(B) is for the default PREFIX).
write_pc = printf '%s\n' 'prefix=$(1)' 'libdir=$${prefix}/lib' 'includedir=$${prefix}/include' '' \
  'Name: cratesec' 'Description: RustSec advisory database library' \
  'Version: 0.1.0' 'Requires.private: $(PKGS)' 'Libs: -L$${libdir} -lcratesec' \
  'Libs.private: -lm -lpthread' 'Cflags: -I$${includedir}' > $(2)

$(B)/cratesec.pc: Makefile
	@mkdir -p $(B)
	@$(call write_pc,$(PREFIX),$@)

install: all
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin
	install -m 644 include/cratesec.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(B)/libcratesec.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(B)/libcratesec.so $(DESTDIR)$(PREFIX)/lib/libcratesec.so.0
	ln -sf libcratesec.so.0 $(DESTDIR)$(PREFIX)/lib/libcratesec.so
	$(call write_pc,$(PREFIX),$(DESTDIR)$(PREFIX)/lib/pkgconfig/cratesec.pc)
	install -m 755 $(B)/cratesec $(B)/cratesec-server $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/lib/cratesec
	install -m 755 $(B)/libcratesec-git.so $(DESTDIR)$(PREFIX)/lib/cratesec/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 $(B)/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/

headertest:
	@mkdir -p $(B)
	$(CC) -std=c99 -pedantic -Wall -Wextra -Werror -Iinclude -fsyntax-only -x c tests/headertest.c
	g++ -std=c++11 -pedantic -Wall -Wextra -Werror -Iinclude -fsyntax-only -x c++ tests/headertest.c

format:
	clang-format -i include/*.h lib/*.[ch] cli/*.[ch] server/*.[ch] tests/unit/*.[ch] fuzz/*.c tools/*.c bench/*.c

lint:
	clang-tidy $(LIB_SRC) -- $(CPPFLAGS) -std=c11

clean:
	rm -rf build

-include $(GIT_OBJ:.o=.d)
-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(SERVE_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(B)/tools/toml-decode.d
