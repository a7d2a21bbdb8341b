#!/usr/bin/env bash
# Runs the C unit tests and every bats file; installs bats when missing.
# Ends with one line "N passed, N failed[, N skipped]"; exits non-zero on
# any failure.
set -u
cd "$(dirname "$0")/.." || exit 1
B=${B:-build}
export SOCKCTL=${SOCKCTL:-$PWD/$B/sockctl}
deps=$PWD/build/deps

have_bats_libs() {
	local d
	for d in ${BATS_LIB_PATH//:/ } /usr/lib/bats; do
		[ -f "$d/bats-assert/load.bash" ] && [ -f "$d/bats-support/load.bash" ] && return 0
	done
	return 1
}

# What the root-only tests use (network namespaces with firewall rules, a
# local DNS server) and the real servers of tests/proto.bats (--proto); as
# root they are installed when missing, elsewhere those tests skip with a
# reason.
ROOT_PKGS="nftables dnsmasq-base python3-jsonschema python3-prometheus-client"
ROOT_PKGS+=" redis-server postgresql mariadb-server nginx python3-aiosmtpd"

# Several installs may run at once on one machine: each waits for the
# dpkg lock (up to 10 minutes) instead of failing. (The tests start
# servers of their own, on free ports, whatever the packages start.)
apt_install() {
	local lock=(-o DPkg::Lock::Timeout=600)
	DEBIAN_FRONTEND=noninteractive apt-get "${lock[@]}" install -y -qq "$@" >/dev/null 2>&1 ||
	{ apt-get "${lock[@]}" update -qq >/dev/null 2>&1 &&
	  DEBIAN_FRONTEND=noninteractive apt-get "${lock[@]}" install -y -qq "$@" >/dev/null 2>&1; }
}

ensure_bats() {
	local missing=() p
	export BATS_LIB_PATH=${BATS_LIB_PATH:-/usr/lib/bats}:$deps/node_modules
	export PATH=$deps/node_modules/.bin:$PATH
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		command -v bats >/dev/null 2>&1 && have_bats_libs || missing+=(bats bats-assert bats-support)
		for p in $ROOT_PKGS; do
			dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
		done
		if [ ${#missing[@]} -gt 0 ]; then
			echo "installing Debian packages: ${missing[*]}"
			apt_install "${missing[@]}" || echo "warning: could not install ${missing[*]}"
		fi
	fi
	command -v bats >/dev/null 2>&1 && have_bats_libs && return 0
	if command -v npm >/dev/null 2>&1; then
		echo "installing bats, bats-assert, bats-support from the npm registry into $deps"
		mkdir -p "$deps"
		npm install --silent --no-audit --no-fund --prefix "$deps" bats bats-support bats-assert >/dev/null 2>&1
	fi
	command -v bats >/dev/null 2>&1 && have_bats_libs && return 0
	echo "error: bats-core with bats-assert and bats-support is needed: install the Debian packages 'bats bats-assert bats-support' (as root) or npm" >&2
	return 1
}

pass=0 fail=0 skip=0
if ! ensure_bats; then
	echo "0 passed, 1 failed"
	exit 1
fi

# The layering check (docs/HACKING.md): one test.
if out=$(tests/layering.sh 2>&1); then
	pass=$((pass + 1))
	echo "ok   layering: $(tail -n 1 <<<"$out")"
else
	fail=$((fail + 1))
	echo "FAIL layering"
	sed 's/^/    /' <<<"$out"
fi

# C unit tests: each binary is one test.
for t in "$B"/unit/test_*; do
	[ -x "$t" ] || continue
	if out=$("$t" 2>&1); then
		pass=$((pass + 1))
		echo "ok   unit $(basename "$t"): $(tail -n 1 <<<"$out")"
	else
		fail=$((fail + 1))
		echo "FAIL unit $(basename "$t")"
		sed 's/^/    /' <<<"$out"
	fi
done

# Every bats file, as TAP. A hang is cut off after BATS_TIMEOUT seconds
# (30 minutes unless set: the suite takes about 10 on a quiet machine of
# 2 cores, and a loaded one may need several times that).
log=$(mktemp)
files=(tests/*.bats)
timeout --kill-after=10 "${BATS_TIMEOUT:-1800}" bats --tap "${files[@]}" 3>&- | tee "$log"
rc=${PIPESTATUS[0]}
while IFS= read -r line; do
	case "$line" in
	"not ok "*) fail=$((fail + 1)) ;;
	"ok "*"# skip"*) skip=$((skip + 1)) ;;
	"ok "*) pass=$((pass + 1)) ;;
	esac
done <"$log"
rm -f "$log"
if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
	echo "bats exited $rc without a failed test (a hang, or an error in a file)"
	fail=$((fail + 1))
fi

if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
