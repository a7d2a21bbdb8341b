#!/usr/bin/env bash
# Runs every fuzz target in DIR for SECONDS each, seeded from
# tests/fuzz/corpus/NAME; prints execs/s and coverage; exits non-zero when
# a target crashes (the input is kept in DIR/crash-NAME-*).
set -u
dir=$1 secs=${2:-60}
cd "$(dirname "$0")/../.." || exit 1
fail=0
for bin in "$dir"/fuzz_*; do
	[ -x "$bin" ] || continue
	name=${bin##*/fuzz_}
	work=$dir/corpus-$name
	mkdir -p "$work"
	seeds=tests/fuzz/corpus/$name
	[ -d "$seeds" ] || seeds=
	log=$dir/$name.log
	"$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=5 \
	    -rss_limit_mb=1024 -artifact_prefix="$dir/crash-$name-" \
	    "$work" $seeds >"$log" 2>&1
	rc=$?
	execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
	speed=$(grep -m1 'stat::average_exec_per_sec' "$log" | awk '{print $2}')
	cov=$(grep -E '^#[0-9]+.*cov:' "$log" | tail -n 1 | sed -E 's/.*cov: ([0-9]+).*ft: ([0-9]+).*/cov \1, ft \2/')
	if [ "$rc" -eq 0 ]; then
		echo "fuzz $name: ok, ${execs:-?} runs, ${speed:-?} execs/s, ${cov:-cov ?} (${secs}s)"
	else
		echo "fuzz $name: FAILED (exit $rc), see $log and $dir/crash-$name-*"
		grep -m5 -E 'ERROR|SUMMARY|runtime error' "$log"
		fail=1
	fi
done
exit $fail
