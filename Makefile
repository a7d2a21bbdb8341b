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
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(EXTRA_CFLAGS)
LDLIBS	?=

# Each build flavour lives in its own directory; B is the flavour's root.
B	?= build
SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer

LIB_SRC	 = $(sort $(wildcard lib/*.c))
CMD_SRC	 = $(sort $(wildcard cmd/*.c))
UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
LIB_OBJ	 = $(LIB_SRC:%.c=$(B)/%.o)
CMD_OBJ	 = $(CMD_SRC:%.c=$(B)/%.o)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%)
HELP_SRC = $(sort $(wildcard tests/helpers/*.c))
HELP_BIN = $(HELP_SRC:tests/helpers/%.c=$(B)/helpers/%)
HDRS	 = $(wildcard lib/*.h cmd/*.h tests/unit/*.h)

.PHONY: all test unit helpers sanitize install uninstall clean bench fuzz static
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

helpers: $(HELP_BIN)

# make test: installs bats when missing, builds, runs the C unit tests and
# every bats file, and ends with "N passed, N failed".
test: all unit helpers
	@B=$(B) SOCKCTL=$(CURDIR)/$(B)/sockctl tests/run.sh

# The whole suite under AddressSanitizer + UBSan, in build/san.
sanitize:
	$(MAKE) B=build/san CFLAGS="$(SAN_FLAGS)" test

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)
	install -m 755 sockctl $(DESTDIR)$(BINDIR)/sockctl
	if [ -f docs/sockctl.1 ]; then \
	  install -m 644 docs/sockctl.1 $(DESTDIR)$(MANDIR)/sockctl.1; fi
	if [ -f completions/sockctl.bash ]; then \
	  install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions && \
	  install -m 644 completions/sockctl.bash \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/sockctl; fi
	if [ -f completions/_sockctl ]; then \
	  install -d $(DESTDIR)$(PREFIX)/share/zsh/site-functions && \
	  install -m 644 completions/_sockctl \
	    $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_sockctl; fi
	if [ -f completions/sockctl.fish ]; then \
	  install -d $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d && \
	  install -m 644 completions/sockctl.fish \
	    $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/sockctl.fish; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sockctl $(DESTDIR)$(MANDIR)/sockctl.1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/sockctl \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_sockctl \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/sockctl.fish

clean:
	rm -rf build sockctl

# --- fuzzing: clang's libFuzzer over the parsers (tests/fuzz/fuzz_*.c) ---
FUZZ_SECONDS ?= 60
FUZZ_SRC  = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN  = $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)
FUZZ_FLAGS = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	     -fno-omit-frame-pointer

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
