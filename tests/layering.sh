#!/usr/bin/env bash
# The layering check of docs/HACKING.md, run by `make test`: lib/ is one
# folder per tier, lowest first, and an include points down the tiers.
#   - a file in lib/T/ includes headers of tier T or lower only (so a CLI
#     header appears in lib/cli/ and cmd/ alone);
#   - a header name is in one folder only (they are included by name);
#   - no two modules include each other, directly or round a longer
#     circle (a module is a file name without .c/.h: dial.c and dial.h);
#   - no source file in lib/ or cmd/ is over 800 lines.
# Prints one line per violation naming the file and the include; exits 1
# when there is one. LAYERING_ROOT=DIR checks another tree (the unit of
# tests/cli.bats that makes it fail on purpose).
set -u
root=${LAYERING_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
tiers=(base kernel core explain cli)
# Circles being taken apart, "a b" per line: reported, not failed. Empty
# when the layout is done.
known_circles=${LAYERING_KNOWN-""}

declare -A rank hdr mod_tier
for i in "${!tiers[@]}"; do
	rank[${tiers[$i]}]=$i
done
bad=0
say() {
	echo "layering: $*"
	bad=1
}

# where each header lives
for t in "${tiers[@]}"; do
	for h in "$root"/lib/"$t"/*.h; do
		[ -e "$h" ] || continue
		n=${h##*/}
		if [ -n "${hdr[$n]:-}" ]; then
			say "lib/$t/$n: a header of that name is in lib/${hdr[$n]}/ too (headers are included by name)"
		fi
		hdr[$n]=$t
	done
done
for f in "$root"/lib/*; do
	[ -d "$f" ] || { say "${f#"$root"/}: a file in lib/ itself belongs in a tier folder"; continue; }
	[ -n "${rank[${f##*/}]:-}" ] || say "${f#"$root"/}: not a tier folder (${tiers[*]})"
done

# the include edges, module to module
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
for t in "${tiers[@]}"; do
	for f in "$root"/lib/"$t"/*.[ch]; do
		[ -e "$f" ] || continue
		rel=${f#"$root"/}
		m=${f##*/}
		m=${m%.?}
		while IFS=: read -r line inc; do
			inc=${inc#*\"}
			inc=${inc%%\"*}
			ht=${hdr[$inc]:-}
			if [ -z "$ht" ]; then
				say "$rel:$line: includes \"$inc\", which no tier folder has"
				continue
			fi
			if [ "${rank[$ht]}" -gt "${rank[$t]}" ]; then
				say "$rel:$line: includes \"$inc\" of lib/$ht/, a higher tier than lib/$t/ (a call goes down the tiers, never up)"
			fi
			im=${inc%.h}
			[ "$im" != "$m" ] && echo "$m $im $rel:$line" >>"$edges"
		done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f")
	done
done

# no source file over 800 lines (split it by what it does)
for f in "$root"/lib/*/*.[ch] "$root"/cmd/*.[ch]; do
	[ -e "$f" ] || continue
	n=$(wc -l <"$f")
	[ "$n" -le 800 ] || say "${f#"$root"/}: $n lines, more than 800"
done

# circles: a module that reaches itself through the edges
circles=$(python3 - "$edges" <<'EOF'
import sys
g = {}
where = {}
for line in open(sys.argv[1]):
    a, b, w = line.split()
    g.setdefault(a, set()).add(b)
    where.setdefault((a, b), w)
seen, out = set(), []
def path(src, dst):
    stack, prev = [src], {src: None}
    while stack:
        n = stack.pop()
        for m in sorted(g.get(n, ())):
            if m not in prev:
                prev[m] = n
                stack.append(m)
    if dst not in prev:
        return None
    p = [dst]
    while p[-1] != src:
        p.append(prev[p[-1]])
    return p[::-1]
for a in sorted(g):
    for b in sorted(g[a]):
        p = path(b, a)
        if p is None:
            continue
        cyc = [a] + p
        key = tuple(sorted(set(cyc)))
        if key in seen:
            continue
        seen.add(key)
        hops = " -> ".join(cyc)
        print(" ".join(sorted(set(cyc))) + "\t" + hops + " (" + where[(a, b)] + ")")
EOF
)
while IFS=$'\t' read -r members hops; do
	[ -n "$members" ] || continue
	if grep -qxF "$members" <<<"$known_circles"; then
		echo "layering: known circle, being taken apart: $hops"
		continue
	fi
	say "modules include each other: $hops"
done <<<"$circles"

[ "$bad" -eq 0 ] && echo "layering: ok (${#hdr[@]} headers in ${#tiers[@]} tiers)"
exit "$bad"
