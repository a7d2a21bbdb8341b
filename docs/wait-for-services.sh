#!/bin/sh
# wait-for-services.sh: wait until TCP services accept connections, then
# (optionally) run a command. The shell recipe of docs/ci-recipes.md.
#
#   wait-for-services.sh [-t SECONDS] TARGET... [-- COMMAND [ARGS...]]
#
# TARGET is HOST:PORT or [IPV6]:PORT. The services are waited for one after
# the other, all within one deadline of SECONDS (default 60).
#
# Exit status: 0 when every service answered (or COMMAND's status), 2 for a
# usage error, otherwise sockctl's exit code for the first service that did
# not come up (3 dns-failure, 4 refused, 5 timeout, 6 unreachable, ...; see
# docs/exit-codes.md). SOCKCTL names the binary (default: sockctl in PATH).
# POSIX sh: runs under dash, BusyBox ash and bash alike.
set -u

sockctl=${SOCKCTL:-sockctl}
total=60
me=${0##*/}

usage() {
	echo "usage: $me [-t SECONDS] TARGET... [-- COMMAND [ARGS...]]" >&2
	exit 2
}

# reason EXIT: the reason slug sockctl uses for an exit code.
reason() {
	case $1 in
	1) echo error ;; 2) echo usage ;; 3) echo dns-failure ;;
	4) echo refused ;; 5) echo timeout ;; 6) echo unreachable ;;
	7) echo port-in-use ;; 8) echo permission-denied ;;
	9) echo address-not-available ;; 10) echo expect-failed ;;
	11) echo reset ;; 12) echo resource-limit ;;
	126 | 127) echo "cannot run $sockctl" ;;
	*) echo "exit $1" ;;
	esac
}

while getopts t:h opt; do
	case $opt in
	t) total=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
case $total in
'' | *[!0-9]*)
	echo "$me: -t takes whole seconds, not '$total'" >&2
	exit 2 ;;
esac
if [ $# -eq 0 ] || [ "$1" = -- ]; then
	usage
fi

deadline=$(($(date +%s) + total))
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	target=$1
	shift
	left=$((deadline - $(date +%s)))
	[ "$left" -ge 1 ] || left=1
	echo "$me: waiting up to ${left}s for $target" >&2
	# -q: sockctl itself prints one line naming the cause when it gives up
	"$sockctl" -q connect --wait "${left}s" --timeout 2s "$target"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "$me: $target is not up: $(reason "$rc") (exit $rc)" >&2
		exit "$rc"
	fi
	echo "$me: $target is up" >&2
done
if [ $# -gt 0 ]; then
	shift
	[ $# -gt 0 ] && exec "$@"
fi
exit 0
