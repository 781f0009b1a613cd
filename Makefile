# sessionlint: one plain Makefile.  `make` builds build/sessionlint with a C11
# compiler and make only; `make check` runs every test.
CC      ?= cc
CSTD    := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wwrite-strings -Wformat=2 -Wno-unused-parameter
OPT     ?= -O2 -g
CFLAGS  ?=
ifeq ($(CI),true)
WARN    += -Werror
endif
ALL_CFLAGS = $(CSTD) $(WARN) $(OPT) $(CFLAGS) -Isrc
LDLIBS  := -lpthread -lm

SRCS    := $(wildcard src/*.c) $(wildcard src/rules/*.c)
HDRS    := $(wildcard src/*.h) $(wildcard src/rules/*.h) $(wildcard src/*.def) $(wildcard src/*.inc)
B       ?= build
OBJS    := $(patsubst src/%.c,$(B)/obj/%.o,$(SRCS))
BIN     := $(B)/sessionlint

.PHONY: all check asan ubsan tsan fuzz bench ecosystem fixcheck mutation format clean install uninstall
all: $(BIN)

$(BIN): $(OBJS)
	$(CC) $(ALL_CFLAGS) -o $@ $(OBJS) $(LDFLAGS) $(LDLIBS)

$(B)/obj/%.o: src/%.c $(HDRS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Sanitizer builds live in their own folders so they never mix objects.
asan:
	$(MAKE) B=build/asan OPT="-O1 -g -fsanitize=address -fno-omit-frame-pointer" LDFLAGS="-fsanitize=address"
ubsan:
	$(MAKE) B=build/ubsan OPT="-O1 -g -fsanitize=undefined -fno-sanitize-recover=undefined" LDFLAGS="-fsanitize=undefined"
tsan:
	$(MAKE) B=build/tsan OPT="-O1 -g -fsanitize=thread" LDFLAGS="-fsanitize=thread"

# `make check`: every suite of tests/run_all.sh (SUITES="unit diff" for some).
# The unit tests and the fuzz replay are built with these flags plus ASan/UBSan.
check: all
	@CC="$(CC)" UNIT_CFLAGS="$(CSTD) $(WARN) $(CFLAGS)" LDLIBS="$(LDLIBS)" \
		MAKE="$(MAKE)" sh tests/run_all.sh

# `make proof`: every rule's bad example fails at run time and its fixed one
# does not, on a PostgreSQL server the script starts (tests/proof/run.py).
.PHONY: proof
proof: all
	@python3 tests/proof/run.py

# `make fuzz`: builds the libFuzzer targets (clang); FUZZ_SECONDS=N also
# fuzzes each for N seconds, FUZZ_MERGE=1 merges new inputs into the corpus.
fuzz:
	@sh tests/fuzz/build.sh

bench: all
	@sh bench/run.sh

# `make ecosystem CORPUS=DIR`: each repository of the real-world corpus checked
# and compared with the team's judgements (tests/ecosystem/README.md); not part
# of `check`.  ECO_ARGS go to sessionlint (ECO_ARGS="--context all"), ECO_OPTS
# to the runner (ECO_OPTS="--template new.tsv").
ecosystem: all
	@test -n "$(CORPUS)" || { echo "make ecosystem: give CORPUS=DIR, the extracted corpus (tests/ecosystem/README.md)" >&2; exit 2; }
	@python3 tests/ecosystem/run.py --corpus "$(CORPUS)" --sessionlint $(BIN) $(ECO_OPTS) -- $(ECO_ARGS)

# `make fixcheck CORPUS=DIR`: --fix on real code (not part of `check`): each
# repository under DIR copied to a temporary folder and fixed, unsafe fixes
# too; every changed file must parse with CPython, a second --fix change
# nothing, no fixed finding be reported again, and the --diff applied with
# `patch -p1` give the same bytes (tests/fix/corpus.py says how).  FIX_OPTS go
# to the script (FIX_OPTS="--repo fastapi/fastapi --jobs 2 -v"), FIX_ARGS to
# sessionlint (FIX_ARGS="--context all --extend-select SL106" fixes more).
fixcheck: all
	@test -n "$(CORPUS)" || { echo "make fixcheck: give CORPUS=DIR, a folder of repositories named owner__name (tests/fix/corpus.py)" >&2; exit 2; }
	@$(PYTHON) tests/fix/corpus.py --corpus "$(CORPUS)" --sessionlint $(BIN) $(FIX_OPTS) -- $(FIX_ARGS)

# `make mutation CORPUS=DIR`: the mutation check on real code (not part of
# `check`): one defect injected at a time into the repositories under DIR,
# and whether sessionlint reports it there (tests/mutation/run.py says how).
# MUT_ARGS passes options, e.g. MUT_ARGS="--jobs 2 --operators unwrap-text".
# `make mutation CORPUS=tests/mutation/fixture` runs it on a small shop.
# PYTHON=python3.13 parses newer syntax (files an older one skips are counted).
PYTHON  ?= python3
mutation: all
	@test -n "$(CORPUS)" || { echo "usage: make mutation CORPUS=DIR [MUT_ARGS=...]" >&2; exit 2; }
	$(PYTHON) tests/mutation/test_sites.py
	nice -n 10 $(PYTHON) tests/mutation/run.py --corpus "$(CORPUS)" $(MUT_ARGS)

format:
	clang-format -i src/*.c src/*.h

# `make install`: the binary and the man page under $(DESTDIR)$(PREFIX);
# packagers stage with DESTDIR=/tmp/stage PREFIX=/usr.
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  := $(DESTDIR)$(PREFIX)/bin
MAN1DIR := $(DESTDIR)$(PREFIX)/share/man/man1
install: $(BIN)
	install -d $(BINDIR) $(MAN1DIR)
	install -m 755 $(BIN) $(BINDIR)/sessionlint
	install -m 644 docs/sessionlint.1 $(MAN1DIR)/sessionlint.1

uninstall:
	rm -f $(BINDIR)/sessionlint $(MAN1DIR)/sessionlint.1

clean:
	rm -rf build
