# sockctl: C11, libc only. `make`, `make test`, `make sanitize`, `make install`.
PREFIX	?= /usr/local
DESTDIR	?=
BINDIR	 = $(PREFIX)/bin
MANDIR	 = $(PREFIX)/share/man/man1

CC	?= cc
CFLAGS	?= -O2 -g
WARN	 = -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
	   -Wmissing-prototypes -Wno-missing-field-initializers
# CI builds with -Werror; WERROR=1 does the same by hand.
ifneq ($(filter true 1,$(CI) $(WERROR)),)
WARN	+= -Werror
endif
# lib/ is one folder per tier, lowest first (docs/HACKING.md); headers are
# included by their plain name, and tests/layering.sh keeps every include
# pointing down the tiers.
TIERS	 = base kernel core explain cli
INC	 = $(TIERS:%=-iquote lib/%)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(INC) $(WARN) $(CFLAGS) $(EXTRA_CFLAGS)
LDLIBS	?=

# Each build flavour lives in its own directory; B is the flavour's root.
B	?= build
SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer

LIB_SRC	 = $(sort $(foreach t,$(TIERS),$(wildcard lib/$(t)/*.c)))
CMD_SRC	 = $(sort $(wildcard cmd/*.c))
UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
LIB_OBJ	 = $(LIB_SRC:%.c=$(B)/%.o)
CMD_OBJ	 = $(CMD_SRC:%.c=$(B)/%.o)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%)
HELP_SRC = $(sort $(wildcard tests/helpers/*.c))
HELP_BIN = $(HELP_SRC:tests/helpers/%.c=$(B)/helpers/%)
HDRS	 = $(wildcard lib/*/*.h cmd/*.h tests/unit/*.h)

.PHONY: all test unit helpers sanitize install uninstall clean bench fuzz static test-static
all: sockctl

sockctl: $(B)/sockctl
	@if [ "$(B)" = build ]; then cp $(B)/sockctl sockctl; fi

$(B)/sockctl: $(CMD_OBJ) $(LIB_OBJ)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/unit/%: tests/unit/%.c $(LIB_OBJ) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)

unit: $(UNIT_BIN)

# Small C programs the bats tests drive (tests/helpers/*.c).
$(B)/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

# The program `sockctl trace` follows in the tests is built plain: a
# sanitizer's leak check cannot run under ptrace and would change its
# exit code.
$(B)/helpers/trace_prog: tests/helpers/trace_prog.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 $(LDFLAGS) -o $@ $< $(LDLIBS)

helpers: $(HELP_BIN)

# make test: installs bats when missing, builds, runs the C unit tests and
# every bats file, and ends with "N passed, N failed".
test: all unit helpers
	@B=$(B) SOCKCTL=$(CURDIR)/$(B)/sockctl tests/run.sh

# The whole suite under AddressSanitizer + UBSan, in build/san.
sanitize:
	$(MAKE) B=build/san CFLAGS="$(SAN_FLAGS)" test

# make install [PREFIX=/usr/local] [DESTDIR=] [BIN=path/to/built/sockctl]:
# the binary, the man page and the bash, zsh and fish completions. BIN
# installs a binary already built (e.g. build/static/sockctl) as it is.
BIN	?=
INSTALL	?= install
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  = $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR = $(PREFIX)/share/fish/vendor_completions.d

install: $(if $(BIN),,$(B)/sockctl)
	$(INSTALL) -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MANDIR)" \
	  "$(DESTDIR)$(BASHCOMPDIR)" "$(DESTDIR)$(ZSHCOMPDIR)" \
	  "$(DESTDIR)$(FISHCOMPDIR)"
	$(INSTALL) -m 755 "$(or $(BIN),$(B)/sockctl)" "$(DESTDIR)$(BINDIR)/sockctl"
	$(INSTALL) -m 644 docs/sockctl.1 "$(DESTDIR)$(MANDIR)/sockctl.1"
	$(INSTALL) -m 644 completions/sockctl.bash "$(DESTDIR)$(BASHCOMPDIR)/sockctl"
	$(INSTALL) -m 644 completions/_sockctl "$(DESTDIR)$(ZSHCOMPDIR)/_sockctl"
	$(INSTALL) -m 644 completions/sockctl.fish "$(DESTDIR)$(FISHCOMPDIR)/sockctl.fish"

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/sockctl" "$(DESTDIR)$(MANDIR)/sockctl.1" \
	  "$(DESTDIR)$(BASHCOMPDIR)/sockctl" "$(DESTDIR)$(ZSHCOMPDIR)/_sockctl" \
	  "$(DESTDIR)$(FISHCOMPDIR)/sockctl.fish"

# make static: a statically linked binary with musl (Debian's musl-tools) in
# build/static/sockctl, small enough for a scratch image. musl-gcc sees only
# musl's headers, so the kernel's uapi headers (linux/, asm/) are linked in
# build/static/kinc. Not part of `make test`; `make test-static` runs the
# suite against it.
STATIC_CFLAGS = -Os -g0 -ffunction-sections -fdata-sections -isystem build/static/kinc
STATIC_LDFLAGS = -static -s -Wl,--gc-sections
MUSL_GCC ?= musl-gcc

static:
	@command -v $(MUSL_GCC) >/dev/null 2>&1 || \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing musl-tools (Debian package) for $(MUSL_GCC)"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq musl-tools >/dev/null 2>&1 || \
	  { apt-get update -qq >/dev/null 2>&1 && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq musl-tools >/dev/null 2>&1; }; \
	fi
	@command -v $(MUSL_GCC) >/dev/null 2>&1 || { \
	  echo "error: make static needs $(MUSL_GCC): install Debian's musl-tools (apt-get install musl-tools, as root)" >&2; \
	  exit 1; }
	@mkdir -p build/static/kinc; \
	for d in linux asm-generic; do \
	  [ -e build/static/kinc/$$d ] || [ ! -d /usr/include/$$d ] || \
	    ln -s /usr/include/$$d build/static/kinc/$$d; done; \
	[ -e build/static/kinc/asm ] || \
	for d in /usr/include/$$(uname -m)-linux-gnu/asm /usr/include/asm; do \
	  if [ -d $$d ]; then ln -s $$d build/static/kinc/asm; break; fi; done
	$(MAKE) B=build/static CC=$(MUSL_GCC) CFLAGS="$(STATIC_CFLAGS)" \
	  LDFLAGS="$(STATIC_LDFLAGS)" build/static/sockctl
	@echo "build/static/sockctl: $$(wc -c <build/static/sockctl) bytes, static (musl)"

test-static: static
	$(MAKE) B=build/static CC=$(MUSL_GCC) CFLAGS="$(STATIC_CFLAGS)" \
	  LDFLAGS="$(STATIC_LDFLAGS)" unit helpers
	@B=build/static SOCKCTL=$(CURDIR)/build/static/sockctl tests/run.sh

clean:
	rm -rf build sockctl

# make bench: sockctl's servers and probes side by side with the ceiling
# loop, socat, ncat, nc and nmap (bench/run; BENCH_QUICK=1 for a short run),
# then the exporter's /probe against blackbox_exporter (bench/exporter).
# Not part of make test.
bench: all
	@B=$(B) SOCKCTL=$(CURDIR)/$(B)/sockctl bench/run
	@B=$(B) SOCKCTL=$(CURDIR)/$(B)/sockctl bench/exporter

# --- fuzzing: clang's libFuzzer over the parsers (tests/fuzz/fuzz_*.c) ---
FUZZ_SECONDS ?= 60
FUZZ_SRC  = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN  = $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)
# clang's -Wformat=2 also flags lib/out.c's static v*printf wrappers, which
# gcc accepts; that one warning is off here so CI=true can still fuzz.
FUZZ_FLAGS = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	     -fno-omit-frame-pointer -Wno-format-nonliteral

.PHONY: fuzz fuzz-bin fuzz-run
fuzz:
	@command -v clang >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
	  apt-get install -y -qq clang >/dev/null; } || \
	  { echo "make fuzz needs clang (Debian package clang)"; exit 1; }
	$(MAKE) B=build/fuzz CC=clang \
	  CFLAGS="$(FUZZ_FLAGS) -fsanitize=fuzzer-no-link" fuzz-run

fuzz-bin: $(FUZZ_BIN)

$(B)/fuzz/%: tests/fuzz/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< $(LIB_OBJ)

fuzz-run: fuzz-bin
	tests/fuzz/run.sh $(B)/fuzz $(FUZZ_SECONDS)

# --- test helpers: the load/abuse client of the echo-server, udp-echo and
# probe-udp tests (the bats files build it themselves when it is missing) ---
$(B)/tests/echo_client: tests/helpers/echo_client.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

.PHONY: test-helpers
test-helpers: $(B)/tests/echo_client
