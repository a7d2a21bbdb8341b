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
# the real Prometheus that tests/exporter.bats starts to scrape the
# exporter (promtool comes with it)
ROOT_PKGS+=" prometheus"

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

# Every bats file, as TAP, TEST_JOBS files at a time (default 2: most of
# the suite waits on servers, timeouts and namespaces, not on the CPU).
# Each file's tests still run in order, with its own setup_file. A file's
# log is printed whole when it ends, under its name. A hang is cut off
# after BATS_TIMEOUT seconds for the whole run (30 minutes unless set:
# the suite takes about 10 minutes of bats time on a quiet machine of 2
# cores, and a loaded one may need several times that).
logs=$(mktemp -d)
# the largest files first, so that two runners end close together;
# TESTS="tests/a.bats tests/b.bats" runs only those
files=()
while IFS= read -r f; do
	files+=("$f")
done < <(ls -S ${TESTS:-tests/*.bats})
jobs=${TEST_JOBS:-2}
next=0
# run_file I: one file, its TAP in $logs/I.tap, its exit code in
# $logs/I.rc; it is cut off at the run's deadline (exit 124).
deadline=$((SECONDS + ${BATS_TIMEOUT:-1800}))
run_file() {
	local i=$1 rc=0 left=$((deadline - SECONDS))
	[ "$left" -gt 0 ] || left=1
	timeout --kill-after=10 "$left" bats --tap "${files[i]}" >"$logs/$i.tap" 2>&1 3>&- || rc=$?
	[ "$rc" -ne 124 ] || echo "not ok ${files[i]}: cut off after ${BATS_TIMEOUT:-1800} s (BATS_TIMEOUT)" >>"$logs/$i.tap"
	echo "$rc" >"$logs/$i.rc"
}
declare -A running=()
printed=0
while [ "$printed" -lt "${#files[@]}" ]; do
	# start files while there is room
	while [ "${#running[@]}" -lt "$jobs" ] && [ "$next" -lt "${#files[@]}" ]; do
		run_file "$next" 3>&- &
		running[$!]=$next
		next=$((next + 1))
	done
	# wait for one to end
	[ "${#running[@]}" -eq 0 ] || wait -n 2>/dev/null
	for pid in "${!running[@]}"; do
		kill -0 "$pid" 2>/dev/null && continue
		wait "$pid" 2>/dev/null
		unset "running[$pid]"
	done
	# print, in order, every file that has ended
	while [ "$printed" -lt "$next" ] && [ -f "$logs/$printed.rc" ]; do
		echo "# ${files[printed]}"
		cat "$logs/$printed.tap"
		printed=$((printed + 1))
	done
done
rc=0
for ((i = 0; i < ${#files[@]}; i++)); do
	if [ ! -f "$logs/$i.rc" ]; then
		echo "not ok ${files[i]}: did not finish" >>"$logs/all"
		rc=1
		continue
	fi
	cat "$logs/$i.tap" >>"$logs/all"
	r=$(cat "$logs/$i.rc")
	[ "$r" -eq 0 ] || rc=$r
done
while IFS= read -r line; do
	case "$line" in
	"not ok "*) fail=$((fail + 1)) ;;
	"ok "*"# skip"*) skip=$((skip + 1)) ;;
	"ok "*) pass=$((pass + 1)) ;;
	esac
done <"$logs/all"
rm -rf "$logs"
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
